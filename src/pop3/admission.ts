/**
 * Which POP3 clients pop3d serves, decided at accept before a session.
 *
 * DESCRIPTION
 *   `pop3dAdmission` gives the listener (`net/session_listener.ts`) the
 *   service's caps: a client is refused with
 *   `-ERR [SYS/TEMP] Error: too many connections from ADDRESS` (RFC 3206:
 *   a temporary condition) when the listener already runs
 *   `pop3_process_limit` sessions, or when the client address already
 *   has `pop3_client_connection_count_limit` of them (Dovecot's
 *   `mail_max_userip_connections`, counted per address because the user
 *   is not known before login). The refusal costs no session, and is
 *   logged in smtpd's words (`Connection concurrency limit exceeded: 11
 *   from unknown[ADDRESS] for service pop3`).
 *
 *   Used by the pop3d listener (`server.ts`). Pure.
 */
import type { Config } from "../config/types.ts";
import type {
  AdmissionRefusal,
  ClientSessions,
  SessionAdmission,
} from "../net/session_listener.ts";

/** The caps of a pop3d listener whose configuration is `config()`. */
export function pop3dAdmission(config: () => Config): SessionAdmission {
  return {
    service: "pop3",
    processLimit: () => ({
      name: "pop3_process_limit",
      value: config().pop3_process_limit,
    }),
    refuse: (client) => pop3dRefusal(config(), client),
  };
}

/** Why `client` is not served under `config`, or null. */
export function pop3dRefusal(
  config: Config,
  client: ClientSessions,
): AdmissionRefusal | null {
  const label = `unknown[${client.address}]`;
  const reply =
    `-ERR [SYS/TEMP] Error: too many connections from ${client.address}\r\n`;
  const processLimit = config.pop3_process_limit;
  if (client.total >= processLimit) {
    return {
      reply,
      warning:
        `too many connections (pop3_process_limit ${processLimit}), refusing ${label}`,
    };
  }
  const countLimit = config.pop3_client_connection_count_limit;
  if (countLimit > 0 && client.sessions >= countLimit) {
    return {
      reply,
      warning: `Connection concurrency limit exceeded: ${
        client.sessions + 1
      } from ${label} for service pop3`,
    };
  }
  return null;
}
