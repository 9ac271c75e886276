/**
 * Why a Postfix parameter is not carried over, and the old names that
 * have a mailsrv equivalent.
 *
 * DESCRIPTION
 *   `NOT_TRANSLATED` gives the reason for the main.cf parameters the
 *   how-tos set that mailsrv does not have or must not take over (its
 *   queue is its own). Any other parameter mailsrv lacks gets the
 *   generic reason. `renamed` turns the obsolete TLS switches into the
 *   security levels mailsrv has.
 *
 *   Used by `translate.ts`. Pure.
 */

/** Specific reasons, by Postfix parameter name. */
export const NOT_TRANSLATED: Readonly<Record<string, string>> = {
  content_filter:
    "mailsrv has no after-queue content filter: mail is delivered without " +
    "passing through the filter (the filter's reinjection listener is kept)",
  receive_override_options:
    "mailsrv has no content filter, so there is nothing to override",
  queue_directory:
    "mailsrv keeps its own queue in its own format; Postfix's queue is " +
    'left alone (empty it with "postqueue -f" before switching)',
  config_directory:
    "mailsrv reads one file, mailsrv.toml; $config_directory references " +
    "were expanded",
  smtpd_sasl_type:
    "mailsrv checks SMTP AUTH itself (smtpd_sasl_users_file, or the " +
    "virtual users' passwd files), not through Dovecot or Cyrus",
  smtpd_sasl_path: "mailsrv checks SMTP AUTH itself (see smtpd_sasl_type)",
  smtpd_sasl_local_domain: "mailsrv's SMTP AUTH logins are user@domain",
  smtpd_sasl_security_options:
    "mailsrv offers PLAIN and LOGIN; smtpd_tls_auth_only says whether only under TLS",
  broken_sasl_auth_clients: "mailsrv announces AUTH in the standard form only",
  smtpd_restriction_classes:
    "restriction classes are not supported; the lists that named them " +
    "say what was left out",
  smtpd_tls_session_cache_timeout: "mailsrv keeps no TLS session cache",
  smtpd_tls_loglevel: "mailsrv logs each TLS handshake in one line",
  smtp_tls_loglevel: "mailsrv logs each TLS handshake in one line",
  smtpd_tls_received_header:
    "mailsrv's Received: header always says whether TLS was used",
  smtp_tls_note_starttls_offer: "mailsrv does not log STARTTLS offers",
  tls_random_source: "mailsrv uses the system's random source",
  smtpd_tls_CAfile:
    "mailsrv does not ask SMTP clients for certificates; put the CA in " +
    "smtpd_tls_chain_files or the certificate file",
  smtpd_tls_mandatory_protocols: "mailsrv uses the TLS versions Deno offers",
  smtpd_tls_protocols: "mailsrv uses the TLS versions Deno offers",
  smtp_tls_mandatory_protocols: "mailsrv uses the TLS versions Deno offers",
  smtp_tls_protocols: "mailsrv uses the TLS versions Deno offers",
  smtp_tls_CApath: "give mailsrv one file of CA certificates, smtp_tls_CAfile",
  mailbox_transport:
    "mailsrv delivers to mailboxes itself; no LMTP hand-off to Dovecot or Cyrus",
  virtual_transport:
    "mailsrv's virtual delivery agent serves virtual_mailbox_domains",
  local_transport: "mailsrv's local delivery agent serves mydestination",
  unknown_local_recipient_reject_code:
    "mailsrv rejects unknown local users with 550",
  biff: "mailsrv never notifies biff",
  soft_bounce: 'not supported by mailsrv: hold mail with "mailsrv queue hold"',
  debug_peer_level: "mailsrv has no per-peer debug logging",
  debugger_command: "mailsrv has no debugger hook",
};

/** The reason for a parameter mailsrv does not have. */
export function notTranslatedReason(name: string): string {
  const reason = NOT_TRANSLATED[name];
  if (reason) return reason;
  return 'not a mailsrv parameter ("mailsrv postconf -d" lists those it has)';
}

/**
 * The mailsrv setting an obsolete Postfix switch stands for, or undefined.
 * @returns `[name, value, note]`
 */
export function renamed(
  name: string,
  value: string,
): [string, string, string] | undefined {
  const yes = /^(yes|true)$/i.test(value);
  switch (name) {
    case "smtpd_use_tls":
      return yes
        ? [
          "smtpd_tls_security_level",
          "may",
          "smtpd_use_tls = yes is smtpd_tls_security_level = may",
        ]
        : undefined;
    case "smtpd_enforce_tls":
      return yes
        ? [
          "smtpd_tls_security_level",
          "encrypt",
          "smtpd_enforce_tls = yes is smtpd_tls_security_level = encrypt",
        ]
        : undefined;
    case "smtp_use_tls":
      return yes
        ? [
          "smtp_tls_security_level",
          "may",
          "smtp_use_tls = yes is smtp_tls_security_level = may",
        ]
        : undefined;
    case "smtp_enforce_tls":
      return yes
        ? [
          "smtp_tls_security_level",
          "encrypt",
          "smtp_enforce_tls = yes is smtp_tls_security_level = encrypt",
        ]
        : undefined;
  }
  return undefined;
}
