/**
 * smtpd's listening socket: accepts SMTP clients and drains on stop.
 *
 * DESCRIPTION
 *   `startSmtpListener` binds one `[[listener]]` with `Deno.listen` (it
 *   measured faster and leaner than node:net for this load) and runs a
 *   session (`serveSmtpConnection`) per accepted client. A client beyond
 *   `default_process_limit` concurrent sessions is told
 *   `421 4.7.0 <myhostname> Error: too many connections` by its session.
 *
 *   `drain(deadlineMs)` stops accepting, asks idle sessions to close
 *   (421 4.3.2), lets sessions inside a mail transaction finish for up to
 *   `deadlineMs` milliseconds, then drops the rest (their queue files are
 *   discarded; nothing unacknowledged is kept). It resolves at most a
 *   second after the deadline, even if a session hangs in a lookup.
 *
 *   Used by the master (one per smtp listener); the session adapter it
 *   runs, `serveSmtpConnection`, is re-exported here. Needs --allow-net
 *   for the listening address.
 *
 *   Does NOT do TLS (smtps, STARTTLS), per-client connection limits or
 *   rate limits.
 */
import type { Listener } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import { clientAddress } from "./client_name.ts";
import { serveSmtpConnection, type SmtpDeps } from "./connection.ts";

export {
  serveSmtpConnection,
  type SmtpDeps,
  type SmtpStream,
} from "./connection.ts";

/** A running SMTP service. */
export interface SmtpListener {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Deno.NetAddr;
  /** Sessions currently running. */
  activeSessions(): number;
  /** Closes the listening socket; running sessions go on. */
  stopAccepting(): void;
  /**
   * Stops accepting, closes idle sessions with 421 4.3.2, waits up to
   * `deadlineMs` milliseconds for the others, then drops them.
   */
  drain(deadlineMs: number): Promise<void>;
}

const log = maillog("smtpd");
/** Pause after a failed accept (e.g. out of file descriptors). */
const ACCEPT_RETRY_MS = 100;
/** How long drain waits for dropped sessions to clean up (abort their queue files). */
const DROP_GRACE_MS = 1000;

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

/**
 * Binds `listener` and serves SMTP on it.
 * @throws Deno.errors.AddrInUse and the like when the address cannot be bound
 */
// deno-lint-ignore require-await
export async function startSmtpListener(
  listener: Listener,
  deps: SmtpDeps,
): Promise<SmtpListener> {
  const server = Deno.listen({
    hostname: listener.address,
    port: listener.port,
    transport: "tcp",
  });
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
    // Replies go out in one write per batch; Nagle would only delay them.
    conn.setNoDelay(true);
    const peer = clientAddress(conn.remoteAddr.hostname);
    const done = serveSmtpConnection(conn, deps, peer, {
      ...control,
      activeSessions: sessions.size,
    }).finally(() => sessions.delete(conn));
    sessions.set(conn, done);
  };

  const acceptLoop = (async () => {
    while (accepting) {
      let conn: Deno.TcpConn;
      try {
        conn = await server.accept();
      } catch (e) {
        if (!accepting || e instanceof Deno.errors.BadResource) break;
        log.warning(
          `accept on ${listener.address}:${listener.port} failed: ${
            (e as Error).message
          }`,
        );
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      try {
        serve(conn);
      } catch (e) {
        // The client left before its session began (e.g. setNoDelay on a reset socket).
        log.warning(
          `cannot serve a client on ${listener.address}:${listener.port}: ${
            (e as Error).message
          }`,
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
      // Dropped sessions end at once, unless stuck in a lookup or a commit.
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
