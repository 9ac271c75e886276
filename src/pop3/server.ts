/**
 * pop3d's listening socket: accepts POP3 clients and drains on stop.
 *
 * DESCRIPTION
 *   `startPop3Listener` binds one `[[listener]]` of kind `pop3` or `pop3s`
 *   with `Deno.listen` and runs a session (`serveSession`) per accepted
 *   client. A `pop3` listener offers STLS when `pop3_tls_cert_file` is
 *   set; a `pop3s` listener needs it and starts TLS at once, in the
 *   session (a slow handshake never holds up the accept loop). The
 *   certificate is read when the listener starts.
 *
 *   `drain(deadlineMs)` stops accepting, closes sessions still in the
 *   AUTHORIZATION state, lets logged-in ones finish until the deadline,
 *   then drops the rest (their maildrops are released unchanged: nothing
 *   is deleted without QUIT).
 *
 *   Used by the master (one per pop3/pop3s listener) and `mailsrv pop3`;
 *   `serveSession` is re-exported for inetd use. Needs --allow-net for the
 *   listening address and --allow-read for the certificate.
 *
 *   Does NOT limit concurrent sessions or logins per client.
 */
import type { Listener } from "../config/types.ts";
import type { Service } from "../master/services.ts";
import { maillog } from "../log/maillog.ts";
import { clientAddress } from "../smtp/client_name.ts";
import { serveSession } from "./connection.ts";
import { loadTlsContext } from "./tls.ts";
import type { Pop3Deps } from "./types.ts";

export {
  type Pop3Stream,
  serveSession,
  type SessionControl,
  type SessionTls,
} from "./connection.ts";

/** A running POP3 service (what the master manages). */
export type Pop3Listener = Service;

const log = maillog("pop3d");
/** Pause after a failed accept (e.g. out of file descriptors). */
const ACCEPT_RETRY_MS = 100;
/** How long drain waits for dropped sessions to release their maildrops. */
const DROP_GRACE_MS = 1000;

/**
 * Binds `listener` and serves POP3 on it.
 * @throws Error when a pop3s listener has no certificate, or the
 *   certificate cannot be read; Deno.errors.AddrInUse and the like when
 *   the address cannot be bound
 */
export async function startPop3Listener(
  listener: Listener,
  deps: Pop3Deps,
): Promise<Pop3Listener> {
  if (listener.kind !== "pop3" && listener.kind !== "pop3s") {
    throw new Error(`not a POP3 listener: "${listener.kind}"`);
  }
  const config = deps.config();
  const context = await loadTlsContext(
    config.pop3_tls_cert_file,
    config.pop3_tls_key_file,
  );
  const implicit = listener.kind === "pop3s";
  if (implicit && context === null) {
    throw new Error("a pop3s listener needs pop3_tls_cert_file");
  }
  const server = Deno.listen({
    hostname: listener.address,
    port: listener.port,
    transport: "tcp",
  });
  const where = `${listener.address}:${listener.port}`;
  const sessions = new Map<Deno.TcpConn, Promise<void>>();
  const wakers = new Set<() => void>();
  let accepting = true;
  let draining = false;
  const control = {
    draining: () => draining,
    onDrain: (wake: () => void) => {
      wakers.add(wake);
      return () => wakers.delete(wake);
    },
  };

  const serve = (conn: Deno.TcpConn): void => {
    conn.setNoDelay(true);
    const address = clientAddress(conn.remoteAddr.hostname);
    const done = serveSession(
      conn,
      deps,
      { address },
      { context, implicit },
      control,
    ).finally(() => sessions.delete(conn));
    sessions.set(conn, done);
  };

  const acceptLoop = (async () => {
    while (accepting) {
      let conn: Deno.TcpConn;
      try {
        conn = await server.accept();
      } catch (e) {
        if (!accepting || e instanceof Deno.errors.BadResource) break;
        log.warning(`accept on ${where} failed: ${(e as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      try {
        serve(conn);
      } catch (e) {
        log.warning(
          `cannot serve a client on ${where}: ${(e as Error).message}`,
        );
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
    }
  })();

  const stopAccepting = (): void => {
    if (!accepting) return;
    accepting = false;
    try {
      server.close();
    } catch {
      // Already closed.
    }
  };

  const drain = async (deadlineMs: number): Promise<void> => {
    stopAccepting();
    draining = true;
    for (const wake of wakers) wake();
    if (!(await settledWithin(Promise.all(sessions.values()), deadlineMs))) {
      for (const conn of sessions.keys()) {
        try {
          conn.close();
        } catch {
          // The session closed it meanwhile.
        }
      }
      await settledWithin(Promise.all(sessions.values()), DROP_GRACE_MS);
    }
    await acceptLoop;
  };

  return {
    address: server.addr as Deno.NetAddr,
    activeSessions: () => sessions.size,
    stopAccepting,
    drain,
  };
}

/** Whether `work` settled within `ms` milliseconds. */
async function settledWithin(
  work: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
