/**
 * smtpd's listening socket: accepts SMTP clients and drains on stop.
 *
 * DESCRIPTION
 *   `startSmtpListener` binds one `[[listener]]` (the accept loop and
 *   drain are src/net/session_listener.ts) and runs a session
 *   (`serveSmtpConnection`) per accepted client. A client beyond
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
import { listenForSessions, type Service } from "../net/session_listener.ts";
import { clientAddress } from "../net/client_name.ts";
import { serveSmtpConnection, type SmtpDeps } from "./connection.ts";

export {
  serveSmtpConnection,
  type SmtpDeps,
  type SmtpStream,
} from "./connection.ts";

/**
 * A running SMTP service; `drain` closes idle sessions with 421 4.3.2
 * and lets transactions finish until the deadline.
 */
export type SmtpListener = Service;

const log = maillog("smtpd");

/**
 * Binds `listener` and serves SMTP on it.
 * @throws Deno.errors.AddrInUse and the like when the address cannot be bound
 */
// deno-lint-ignore require-await
export async function startSmtpListener(
  listener: Listener,
  deps: SmtpDeps,
): Promise<SmtpListener> {
  return listenForSessions(
    listener,
    log,
    (conn, control, activeSessions) =>
      serveSmtpConnection(
        conn,
        deps,
        clientAddress(conn.remoteAddr.hostname),
        { ...control, activeSessions },
      ),
  );
}
