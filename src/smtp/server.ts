/**
 * smtpd's listening socket: accepts SMTP clients and drains on stop.
 *
 * DESCRIPTION
 *   `startSmtpListener` binds one `[[listener]]` (the accept loop and
 *   drain are src/net/session_listener.ts) and runs a session
 *   (`serveSmtpConnection`) per accepted client. A client beyond
 *   `default_process_limit` concurrent sessions, or beyond
 *   `smtpd_client_connection_count_limit` of its own, is told
 *   `421 4.7.0 <myhostname> Error: too many connections from ADDRESS`
 *   at accept, without a session (`admission.ts`).
 *
 *   `drain(deadlineMs)` stops accepting, asks idle sessions to close
 *   (421 4.3.2), lets sessions inside a mail transaction finish for up to
 *   `deadlineMs` milliseconds, then drops the rest (their queue files are
 *   discarded; nothing unacknowledged is kept). It resolves at most a
 *   second after the deadline, even if a session hangs in a lookup.
 *
 *   Each session runs with the configuration in force when it connected,
 *   with the listener's own smtpd parameters laid over it (kinds smtp,
 *   submission, smtps; smtps implies TLS wrapper mode), and the
 *   certificate of that configuration: after a reload new sessions get
 *   the new settings and certificate, running ones keep theirs. A
 *   listener in wrapper mode needs a certificate to start.
 *
 *   Used by the master (one per smtpd listener); the session adapter it
 *   runs, `serveSmtpConnection`, is re-exported here. Needs --allow-net
 *   for the listening address.
 *
 *   Does NOT do rate limits (the session asks anvil, `policy/client_rates.ts`).
 */
import type { Listener } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import { listenForSessions, type Service } from "../net/session_listener.ts";
import { clientAddress } from "../net/client_name.ts";
import { serveSmtpConnection, type SmtpDeps } from "./connection.ts";
import { listenerConfig } from "../config/listener_parameters.ts";
import type { TlsContext } from "../net/server_tls.ts";
import { smtpdTlsContext } from "./smtpd_tls_context.ts";
import { smtpdAdmission } from "./admission.ts";

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
 * @throws Error when the certificate cannot be loaded, or a wrapper-mode
 *   listener has none; Deno.errors.AddrInUse and the like when the
 *   address cannot be bound
 */
export async function startSmtpListener(
  listener: Listener,
  deps: SmtpDeps,
): Promise<SmtpListener> {
  // The listener's own parameters as the configuration now in force has
  // them (a reload may change them for an address that stays bound).
  const sessionConfig = () => {
    const base = deps.config();
    const current =
      base.listeners.find((l) =>
        l.kind === listener.kind && l.address === listener.address &&
        l.port === listener.port
      ) ?? listener;
    return { base, config: listenerConfig(base, current) };
  };
  const first = sessionConfig();
  const context = await smtpdTlsContext(first.base, first.config);
  if (first.config.smtpd_tls_wrappermode && context === null) {
    throw new Error(
      `an ${listener.kind} listener with TLS wrapper mode needs smtpd_tls_cert_file`,
    );
  }
  return listenForSessions(
    listener,
    log,
    async (conn, control, activeSessions) => {
      const { base, config } = sessionConfig();
      let context: TlsContext | null = null;
      try {
        context = await smtpdTlsContext(base, config);
      } catch (e) {
        log.warning(`TLS is not available: ${(e as Error).message}`);
      }
      await serveSmtpConnection(
        conn,
        { ...deps, config: () => config },
        clientAddress(conn.remoteAddr.hostname),
        { ...control, activeSessions },
        { context, implicit: config.smtpd_tls_wrappermode },
      );
    },
    smtpdAdmission(() => sessionConfig().config),
  );
}
