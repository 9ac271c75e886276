/**
 * Parameter rows: the POP3 server and pop-before-smtp.
 *
 * DESCRIPTION
 *   Postfix has no POP3 server; these names follow its style (`pop3_`
 *   prefix, `_timeout`, `_limit`) and vm-pop3d's defaults.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The POP3 server's parameters. */
export const POP3_PARAMETERS = [
  {
    name: "pop3_passwd_directory",
    kind: "path",
    defaultValue: "/etc/virtual",
    description: "Where the per-domain <domain>/passwd files live " +
      "(vm-pop3d's default; the classic recipe uses virtual_mailbox_base).",
  },
  {
    name: "pop3_plaintext_logins",
    kind: "enum",
    values: ["never", "loopback", "always"],
    defaultValue: "loopback",
    description: "Where USER/PASS and AUTH PLAIN work without TLS.",
  },
  {
    name: "pop3_timeout",
    kind: "duration",
    defaultValue: "300s",
    description: "How long a POP3 client may take over a whole command " +
      "line or reading a reply (not each read: a byte a second does not " +
      "extend it).",
  },
  {
    name: "pop3_stress_timeout",
    kind: "duration",
    defaultValue: "10s",
    description: "pop3_timeout while the listener is under stress (80% " +
      "of pop3_process_limit in use), so idle clients are shed.",
  },
  {
    name: "pop3_process_limit",
    kind: "integer",
    defaultValue: "100",
    minimum: 1,
    description: "The most POP3 sessions served at once per listener; " +
      "more get -ERR [SYS/TEMP] at once.",
  },
  {
    name: "pop3_client_connection_count_limit",
    kind: "integer",
    defaultValue: "10",
    minimum: 0,
    description: "Simultaneous POP3 connections one client address may " +
      "have on a listener (Dovecot's mail_max_userip_connections, per " +
      "address); more get -ERR [SYS/TEMP] at once (0: no limit).",
  },
  {
    name: "pop3_failed_login_delay",
    kind: "duration",
    defaultValue: "2s",
    minimum: 0,
    description: "The pause after each failed POP3 login.",
  },
  {
    name: "pop3_max_failed_logins",
    kind: "integer",
    defaultValue: "3",
    description: "Failed logins before a POP3 session is closed.",
  },
  {
    name: "pop3_max_bad_commands",
    kind: "integer",
    defaultValue: "10",
    description: "Bad commands before a POP3 session is closed.",
  },
  {
    name: "pop3_tls_cert_file",
    kind: "path",
    defaultValue: "",
    description: "PEM certificate chain for STLS and pop3s listeners.",
  },
  {
    name: "pop3_tls_key_file",
    kind: "path",
    defaultValue: "",
    description: "PEM private key for STLS and pop3s listeners.",
  },
  {
    name: "pop_before_smtp_window",
    kind: "duration",
    defaultValue: "30m",
    description: "How long a POP3 login lets its IP address relay.",
  },
] as const satisfies readonly Parameter[];
