/**
 * pop3d's listening socket: accepts POP3 clients and drains on stop.
 *
 * DESCRIPTION
 *   `startPop3Listener` binds one `[[listener]]` of kind `pop3` or `pop3s`
 *   (the accept loop and drain are src/net/session_listener.ts) and
 *   runs a session (`serveSession`) per accepted client. A `pop3` listener offers STLS when `pop3_tls_cert_file` is
 *   set; a `pop3s` listener needs it and starts TLS at once, in the
 *   session (a slow handshake never holds up the accept loop). The
 *   certificate is read once per configuration: after a reload, new
 *   sessions get the new certificate and running ones keep theirs.
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
 *   A client beyond `pop3_process_limit` sessions, or beyond
 *   `pop3_client_connection_count_limit` of its own, gets
 *   `-ERR [SYS/TEMP]` at accept, without a session (`admission.ts`).
 *
 *   Does NOT limit logins per user.
 */
import type { Config, Listener } from "../config/types.ts";
import { listenForSessions, type Service } from "../net/session_listener.ts";
import { maillog } from "../log/maillog.ts";
import { clientAddress } from "../net/client_name.ts";
import { serveSession } from "./connection.ts";
import type { TlsContext } from "../net/server_tls.ts";
import { tlsContextFor } from "../net/tls_context_cache.ts";
import type { Pop3Deps } from "./types.ts";
import { pop3dAdmission } from "./admission.ts";

export {
  type Pop3Stream,
  serveSession,
  type SessionControl,
  type SessionTls,
} from "./connection.ts";

/** A running POP3 service (what the master manages). */
export type Pop3Listener = Service;

const log = maillog("pop3d");

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
  const context = await pop3TlsContext(deps.config());
  const implicit = listener.kind === "pop3s";
  if (implicit && context === null) {
    throw new Error("a pop3s listener needs pop3_tls_cert_file");
  }
  return listenForSessions(
    listener,
    log,
    async (conn, control) => {
      // The certificate of the configuration in force now: a reload
      // (a renewed certificate) reaches new sessions only.
      let context: TlsContext | null = null;
      try {
        context = await pop3TlsContext(deps.config());
      } catch (e) {
        log.warning(`TLS is not available: ${(e as Error).message}`);
      }
      await serveSession(
        conn,
        deps,
        { address: clientAddress(conn.remoteAddr.hostname) },
        { context, implicit },
        control,
      );
    },
    pop3dAdmission(deps.config),
  );
}

/**
 * The certificate of `config` for POP3 sessions (read once per
 * configuration); null when none is set.
 * @throws Error naming the file when it cannot be read or used
 */
export function pop3TlsContext(config: Config): Promise<TlsContext | null> {
  return tlsContextFor(config, {
    cert: config.pop3_tls_cert_file,
    key: config.pop3_tls_key_file,
    names: { cert: "pop3_tls_cert_file", key: "pop3_tls_key_file" },
  });
}
