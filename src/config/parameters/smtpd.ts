/**
 * Parameter rows: the SMTP server (limits, timeouts, greeting, relay
 * permissions).
 *
 * DESCRIPTION
 *   The parameters Postfix's smtpd(8) reads. These are the ones a
 *   `[[listener]]` would override per service (Postfix's `master.cf -o`):
 *   `ParameterValues<typeof SMTPD_PARAMETERS>` is their typed object.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The SMTP server's parameters. */
export const SMTPD_PARAMETERS = [
  {
    name: "message_size_limit",
    kind: "size",
    defaultValue: "10240000",
    minimum: 0,
    description: "The largest message accepted, in bytes (0: no limit).",
  },
  {
    name: "smtpd_recipient_limit",
    kind: "integer",
    defaultValue: "1000",
    description: "The most recipients accepted per message.",
  },
  {
    name: "smtpd_timeout",
    kind: "duration",
    defaultValue: "300s",
    description: "How long a client may take over a whole command line, " +
      "a line of message content or reading a reply (not each read: a " +
      "byte a second does not extend it).",
  },
  {
    name: "smtpd_stress_timeout",
    kind: "duration",
    defaultValue: "10s",
    description: "smtpd_timeout while the listener is under stress " +
      "(80% of default_process_limit in use; Postfix's " +
      "${stress?{10}:{300}}s), so idle clients are shed.",
  },
  {
    name: "smtpd_banner",
    kind: "string",
    defaultValue: "$myhostname ESMTP $mail_name",
    description: "The text after 220 in the SMTP greeting.",
  },
  {
    name: "default_process_limit",
    kind: "integer",
    defaultValue: "100",
    description: "The most SMTP sessions served at once per listener " +
      "(more get 421 4.7.0 at once; from 80% on the listener is under " +
      "stress), and the most deliveries in progress at once over all " +
      "destinations.",
  },
  {
    name: "smtpd_forbid_bare_newline",
    kind: "enum",
    values: ["normalize", "reject"],
    defaultValue: "normalize",
    description: "What to do with a bare CR or LF in message content.",
  },
  {
    name: "smtpd_relay_restrictions",
    kind: "list",
    defaultValue:
      "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
    description: "Who may relay, evaluated before " +
      "smtpd_recipient_restrictions (any restriction those take).",
  },
  {
    name: "disable_vrfy_command",
    kind: "boolean",
    defaultValue: "no",
    description: "Answer VRFY with 502 5.5.1, so it cannot probe for " +
      "user names.",
  },
] as const satisfies readonly Parameter[];
