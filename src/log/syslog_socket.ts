/**
 * The syslog sink: maillog lines sent to the local syslog socket.
 *
 * DESCRIPTION
 *   `/dev/log` (syslog_socket) is a Unix datagram socket on Debian, served
 *   by rsyslog or systemd-journald. Each message is one datagram sent
 *   from a socket of our own, bound to a random abstract address (Linux),
 *   so nothing is created on disk, and the sink keeps working when
 *   syslogd restarts and re-creates its socket.
 *
 *   Datagrams go out one at a time, in order. Like syslog(3), the sink
 *   never stops mail: a failing socket (syslogd down, a stream socket)
 *   is reported once on stderr and its lines are dropped until a send
 *   succeeds again; past MAX_PENDING waiting lines, new ones are dropped.
 *
 *   Needs Deno's unstable `net` API (Deno.listenDatagram, deno.json
 *   "unstable") and read/write access to the socket path.
 *
 *   Does NOT format the messages (see syslog_format.ts) and does not
 *   speak to remote syslog servers.
 */

/** Lines waiting beyond this many are dropped (syslogd stuck). */
const MAX_PENDING = 10_000;

/** An open connection to the syslog socket. */
export interface SyslogSocket {
  /** Queues one message (one datagram). */
  send(message: string): void;
  /** Resolves once every queued message is sent or dropped. */
  idle(): Promise<void>;
  /** Sends what is queued, then closes the socket. */
  close(): Promise<void>;
}

/**
 * Opens a datagram socket that sends to the syslog socket at `path`.
 * @throws when no datagram socket can be made (no unstable net API)
 */
export function openSyslogSocket(path: string): SyslogSocket {
  if (typeof Deno.listenDatagram !== "function") {
    throw new Error("Unix datagram sockets need Deno's unstable net API");
  }
  // An abstract address (leading NUL): nothing on disk to clean up. Deno's
  // permission check refuses the empty path that would autobind one.
  const socket = Deno.listenDatagram({
    transport: "unixpacket",
    path: `\0mailsrv-syslog-${Deno.pid}-${crypto.randomUUID()}`,
  });
  const encoder = new TextEncoder();
  const target: Deno.UnixAddr = { transport: "unixpacket", path };
  let pending: string[] = [];
  let pump: Promise<void> | undefined;
  let failed = false;
  const report = (why: string) => {
    if (!failed) {
      console.error(`mailsrv: cannot write syslog socket "${path}": ${why}`);
    }
    failed = true;
  };
  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      for (const message of batch) {
        try {
          await socket.send(encoder.encode(message), target);
          failed = false;
        } catch (e) {
          report((e as Error).message);
        }
      }
    }
    pump = undefined;
  };
  return {
    send(message) {
      if (pending.length >= MAX_PENDING) {
        report(`more than ${MAX_PENDING} lines waiting`);
        return;
      }
      pending.push(message);
      pump ??= drain();
    },
    async idle() {
      await pump;
    },
    async close() {
      await pump;
      socket.close();
    },
  };
}
