/**
 * Parameter rows: the SMTP client (Postfix's smtp(8)) and its DNS.
 *
 * DESCRIPTION
 *   How mail leaves the box: the smarthost, TLS, SASL to the smarthost,
 *   the time limits of each step, and how hosts are found.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** A time limit of the SMTP client; the name stays literal for `Config`. */
function timeout<const Name extends string>(
  name: Name,
  value: string,
  what: string,
) {
  return {
    name,
    kind: "duration",
    defaultValue: value,
    description: `How long the SMTP client waits ${what}.`,
  } as const;
}

/** The SMTP client's parameters. */
export const SMTP_CLIENT_PARAMETERS = [
  {
    name: "relayhost",
    kind: "string",
    defaultValue: "",
    description: "Send all non-local mail through this host: `host` " +
      "(MX lookup), `[host]` (no MX lookup), with `:port`; empty: " +
      "deliver directly by MX.",
  },
  {
    name: "smtp_helo_name",
    kind: "string",
    defaultValue: "$myhostname",
    description: "The name the SMTP client sends in EHLO/HELO.",
  },
  {
    name: "smtp_tls_security_level",
    kind: "enum",
    values: ["none", "may", "encrypt", "verify", "secure"],
    defaultValue: "may",
    description: "TLS to the next hop: none, may (opportunistic " +
      "STARTTLS), encrypt, verify (certificate names the MX host), " +
      "secure (certificate names the next-hop domain).",
  },
  {
    name: "smtp_tls_wrappermode",
    kind: "boolean",
    defaultValue: "no",
    description: 'Speak TLS from the first byte (port 465, "smtps") ' +
      "instead of STARTTLS.",
  },
  {
    name: "smtp_tls_CAfile",
    kind: "string",
    defaultValue: "",
    description: "PEM file of CA certificates trusted for verify and " +
      "secure; empty: the system's trusted roots.",
  },
  {
    name: "smtp_sasl_auth_enable",
    kind: "boolean",
    defaultValue: "no",
    description: "Authenticate to the next hop with the credentials " +
      "of smtp_sasl_password_maps.",
  },
  {
    name: "smtp_sasl_password_maps",
    kind: "string",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Table of `[host]:port user:password` (sasl_passwd); " +
      "its file must not be readable by others.",
  },
  {
    name: "smtp_sasl_security_options",
    kind: "list",
    defaultValue: "noplaintext, noanonymous",
    description: "SASL restrictions without TLS: noplaintext keeps the " +
      "password off an unencrypted connection.",
  },
  {
    name: "smtp_sasl_tls_security_options",
    kind: "list",
    defaultValue: "noanonymous",
    description: "SASL restrictions under TLS (mailsrv allows PLAIN and " +
      "LOGIN there by default).",
  },
  timeout("smtp_connect_timeout", "30s", "for a TCP connection"),
  timeout("smtp_helo_timeout", "300s", "for the greeting and EHLO/HELO"),
  timeout("smtp_starttls_timeout", "300s", "for the TLS handshake"),
  timeout("smtp_mail_timeout", "300s", "for the reply to MAIL FROM"),
  timeout("smtp_rcpt_timeout", "300s", "for the reply to RCPT TO"),
  timeout("smtp_data_init_timeout", "120s", "for the reply to DATA"),
  timeout("smtp_data_xfer_timeout", "180s", "while sending content"),
  timeout(
    "smtp_data_done_timeout",
    "600s",
    "for the reply to the end of data",
  ),
  timeout("smtp_quit_timeout", "300s", "for the reply to QUIT"),
  timeout("smtp_rset_timeout", "20s", "for the reply to RSET"),
  {
    name: "smtp_mx_address_limit",
    kind: "integer",
    defaultValue: "5",
    minimum: 0,
    description: "The most MX host addresses tried per delivery (0: " +
      "no limit).",
  },
  {
    name: "smtp_mx_session_limit",
    kind: "integer",
    defaultValue: "2",
    minimum: 0,
    description: "The most SMTP sessions per delivery that end before " +
      "mail is sent (0: no limit).",
  },
  {
    name: "smtp_destination_recipient_limit",
    kind: "integer",
    defaultValue: "50",
    minimum: 0,
    description: "The most recipients of one message sent in one SMTP " +
      "transaction (0: no limit).",
  },
  {
    name: "smtp_connection_cache_time_limit",
    kind: "duration",
    defaultValue: "2s",
    minimum: 0,
    description: "How long an SMTP session stays open, idle, for the next " +
      "message to the same nexthop (0: QUIT after each message).",
  },
  {
    name: "smtp_connection_reuse_time_limit",
    kind: "duration",
    defaultValue: "300s",
    description: "How long one SMTP connection may be reused for new " +
      "messages.",
  },
  {
    name: "smtp_host_lookup",
    kind: "list",
    defaultValue: "dns",
    description: "How host addresses are found: dns, native " +
      "(the system's /etc/hosts and NSS), or both in order.",
  },
  {
    name: "disable_dns_lookups",
    kind: "boolean",
    defaultValue: "no",
    description: "No MX lookups; host names are found as " +
      "smtp_host_lookup = native finds them.",
  },
  {
    name: "resolv_conf",
    kind: "path",
    defaultValue: "/etc/resolv.conf",
    description: "mailsrv: the resolver configuration, followed when " +
      "it changes (a nameserver may carry a port: 127.0.0.1:5353).",
  },
] as const satisfies readonly Parameter[];
