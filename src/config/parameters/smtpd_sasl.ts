/**
 * Parameter rows: SMTP AUTH in the SMTP server.
 *
 * DESCRIPTION
 *   Postfix's smtpd SASL parameters, and two of mailsrv's own, since
 *   mailsrv checks passwords itself instead of asking Cyrus or Dovecot:
 *   `smtpd_sasl_users_file` (an htpasswd-style file) and
 *   `smtpd_sasl_failed_auth_delay`.
 *
 *   `smtpd_tls_auth_only` defaults to yes, where Postfix's default is
 *   no: a password must never cross the network in clear text. A client
 *   on a loopback address may still log in without TLS (nothing leaves
 *   the machine).
 *
 *   Part of the parameter table (`../parameters.ts`); a `[[listener]]`
 *   may override each of them (`../listener_parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The SMTP server's AUTH parameters. */
export const SMTPD_SASL_PARAMETERS = [
  {
    name: "smtpd_sasl_auth_enable",
    kind: "boolean",
    defaultValue: "no",
    description: "Offer SMTP AUTH (PLAIN, LOGIN) to clients.",
  },
  {
    name: "smtpd_tls_auth_only",
    kind: "boolean",
    defaultValue: "yes",
    description: "Offer AUTH only after STARTTLS, except to loopback " +
      "clients (Postfix's default is no; mailsrv never takes a password " +
      "in clear text over the network).",
  },
  {
    name: "smtpd_sasl_authenticated_header",
    kind: "boolean",
    defaultValue: "no",
    description: "Name the authenticated user in the Received: header.",
  },
  {
    name: "smtpd_sasl_users_file",
    kind: "path",
    defaultValue: "",
    description: "mailsrv's own: an htpasswd-style file of SASL users " +
      "(name:hash), checked before the virtual users' passwd files.",
  },
  {
    name: "smtpd_sasl_failed_auth_delay",
    kind: "duration",
    defaultValue: "2s",
    minimum: 0,
    description: "mailsrv's own: the pause after a failed AUTH, doubled " +
      "for each further failure from the same client.",
  },
  {
    name: "smtpd_sasl_max_failed_auths",
    kind: "integer",
    defaultValue: "3",
    description: "mailsrv's own: failed AUTH commands before the session " +
      "is closed.",
  },
  {
    name: "smtpd_sender_login_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Who owns each envelope sender: sender address (or " +
      "@domain) to SASL user names, for reject_sender_login_mismatch.",
  },
] as const satisfies readonly Parameter[];
