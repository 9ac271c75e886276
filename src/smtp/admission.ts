/**
 * Which SMTP clients smtpd serves, decided at accept before a session.
 *
 * DESCRIPTION
 *   `smtpdAdmission` gives the listener (`net/session_listener.ts`) the
 *   service's caps: a client is refused with
 *   `421 4.7.0 HOST Error: too many connections from ADDRESS` (Postfix's
 *   wording) when the listener already runs `default_process_limit`
 *   sessions, or when the client already has
 *   `smtpd_client_connection_count_limit` of them (clients in
 *   `smtpd_client_event_limit_exceptions` excepted). The refusal costs no
 *   session and no name lookup, so a flood from one address cannot take
 *   every session, and it is logged as Postfix logs it
 *   (`Connection concurrency limit exceeded: 51 from unknown[ADDRESS] for
 *   service smtp`; unknown: the name is not looked up for a refusal).
 *
 *   Used by the smtpd listener (`server.ts`). Pure.
 *
 *   Does NOT count rates: smtpd_client_connection_rate_limit is anvil's
 *   (`policy/client_rates.ts`), asked by the session.
 */
import type { Config } from "../config/types.ts";
import type {
  AdmissionRefusal,
  ClientSessions,
  SessionAdmission,
} from "../net/session_listener.ts";
import { inNetworks } from "../policy/networks.ts";

/** The caps of an smtpd listener whose configuration is `config()`. */
export function smtpdAdmission(config: () => Config): SessionAdmission {
  return {
    service: "smtp",
    processLimit: () => ({
      name: "default_process_limit",
      value: config().default_process_limit,
    }),
    refuse: (client) => smtpdRefusal(config(), client),
  };
}

/** Why `client` is not served under `config`, or null. */
export function smtpdRefusal(
  config: Config,
  client: ClientSessions,
): AdmissionRefusal | null {
  const label = `unknown[${client.address}]`;
  const reply =
    `421 4.7.0 ${config.myhostname} Error: too many connections from ${client.address}\r\n`;
  const processLimit = config.default_process_limit;
  if (client.total >= processLimit) {
    return {
      reply,
      warning:
        `too many connections (default_process_limit ${processLimit}), refusing ${label}`,
    };
  }
  const countLimit = config.smtpd_client_connection_count_limit;
  if (
    countLimit > 0 && client.sessions >= countLimit &&
    !inNetworks(client.address, config.smtpd_client_event_limit_exceptions)
  ) {
    return {
      reply,
      warning: `Connection concurrency limit exceeded: ${
        client.sessions + 1
      } from ${label} for service smtp`,
    };
  }
  return null;
}
