/**
 * Parameter rows: the SMTP server's TLS (STARTTLS and smtps).
 *
 * DESCRIPTION
 *   Postfix's smtpd TLS parameters, as postconf(5) names them. mailsrv's
 *   `smtpd_tls_security_level` defaults to `may` rather than Postfix's
 *   empty (none): STARTTLS is then offered as soon as a certificate is
 *   set, which is what setting one means. A `[[listener]]` of kind
 *   `smtps` implies `smtpd_tls_wrappermode = yes`.
 *
 *   Part of the parameter table (`../parameters.ts`); a `[[listener]]`
 *   may override each of them (`../listener_parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The SMTP server's TLS parameters. */
export const SMTPD_TLS_PARAMETERS = [
  {
    name: "smtpd_tls_cert_file",
    kind: "path",
    defaultValue: "",
    description: "PEM certificate chain (leaf first) for STARTTLS and smtps.",
  },
  {
    name: "smtpd_tls_key_file",
    kind: "path",
    defaultValue: "",
    description: "PEM private key of smtpd_tls_cert_file; empty: the key " +
      "is in smtpd_tls_cert_file (Postfix's default $smtpd_tls_cert_file).",
  },
  {
    name: "smtpd_tls_chain_files",
    kind: "list",
    defaultValue: "",
    description: "PEM files holding the key and its certificate chain; " +
      "used instead of smtpd_tls_cert_file and smtpd_tls_key_file when set.",
  },
  {
    name: "smtpd_tls_security_level",
    kind: "enum",
    values: ["none", "may", "encrypt"],
    defaultValue: "may",
    description: "none: no STARTTLS; may: offered when a certificate is " +
      "set; encrypt: required before MAIL (Postfix's default is none; " +
      "mailsrv offers TLS once a certificate is set).",
  },
  {
    name: "smtpd_tls_wrappermode",
    kind: "boolean",
    defaultValue: "no",
    description: "TLS from the first byte (smtps, port 465); a listener of " +
      'kind "smtps" has it.',
  },
] as const satisfies readonly Parameter[];
