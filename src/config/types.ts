/**
 * The shape of mailsrv's effective configuration.
 *
 * DESCRIPTION
 *   `Config` is the frozen, fully expanded and typed view of the TOML file
 *   (or of the embedded default) that every role reads. Field names are the
 *   Postfix parameter names, so a Postfix how-to maps onto them one to one.
 *   Lists are already split, `$name` references already expanded, paths
 *   already absolute, durations in seconds and sizes in bytes.
 *
 *   Nothing here does I/O; see `load.ts` for reading and validation.
 */

/** One `[[listener]]` table: where a service accepts connections. */
export interface Listener {
  /** IP address to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::1`. */
  readonly address: string;
  readonly port: number;
  /**
   * Service kind: `smtp`, `pop3` (plain, STLS when a certificate is set) or
   * `pop3s` (implicit TLS); later issues add `submission` and `smtps`.
   */
  readonly kind: "smtp" | "pop3" | "pop3s";
}

/** Policy for bare CR or bare LF in message content (see docs). */
export type BareNewlinePolicy = "normalize" | "reject";

/** The effective configuration (frozen). */
export interface Config {
  /** Absolute path of the file read, or null for the embedded default. */
  readonly configFile: string | null;
  /** Base for relative paths: `$MAILSRV_HOME` or cwd (embedded default). */
  readonly homeDirectory: string;

  readonly myhostname: string;
  readonly mydomain: string;
  readonly myorigin: string;
  /** Local domains, lower-cased, without trailing dots. */
  readonly mydestination: readonly string[];
  /** Networks in CIDR form (`127.0.0.0/8`, `::1/128`). */
  readonly mynetworks: readonly string[];
  readonly mynetworks_style: "host" | "subnet" | "class";
  readonly inet_interfaces: readonly string[];
  readonly queue_directory: string;
  readonly message_size_limit: number;
  readonly smtpd_recipient_limit: number;
  /** Seconds. */
  readonly smtpd_timeout: number;
  readonly smtpd_banner: string;
  /** Cap on concurrent SMTP sessions (Postfix's smtpd process limit). */
  readonly default_process_limit: number;
  readonly smtpd_forbid_bare_newline: BareNewlinePolicy;
  /** Empty string: mailbox under `mail_spool_directory`. */
  readonly home_mailbox: string;
  /** Ends in `/` for Maildir spools. */
  readonly mail_spool_directory: string;
  /**
   * Lookup tables (`type:name`) that list the valid local recipients.
   * Empty: every local part of a local domain is accepted.
   */
  readonly local_recipient_maps: readonly string[];
  readonly recipient_delimiter: string;
  /** Alias tables (`hash:/etc/aliases`); a missing file is an empty table. */
  readonly alias_maps: readonly string[];
  /** Where `|command` targets are allowed: any of alias, forward, include. */
  readonly allow_mail_to_commands: readonly string[];
  /** Where `/file` targets are allowed: any of alias, forward, include. */
  readonly allow_mail_to_files: readonly string[];
  /** The user alias commands and files run as when root owns the aliases. */
  readonly default_privs: string;
  /** Seconds a delivery command may run before it is killed. */
  readonly command_time_limit: number;
  /** Shell for `|command` and mailbox_command (`/bin/sh -c`). */
  readonly local_command_shell: string;
  /**
   * Command that delivers to a user's mailbox (e.g. procmail), run as the
   * user with Postfix's environment; empty: mailsrv writes the mailbox.
   * Unexpanded: `$VAR`s are the shell's, at delivery.
   */
  readonly mailbox_command: string;
  /**
   * .forward files to try, in order; `$home`, `$user`, `$extension`,
   * `$recipient_delimiter` (and `${name}`) are filled in per delivery.
   */
  readonly forward_path: readonly string[];
  /** Use `owner-NAME` as the sender when expanding alias NAME. */
  readonly owner_request_special: boolean;
  /** Expand `owner-NAME` itself as an alias when it is the sender. */
  readonly expand_owner_alias: boolean;
  /** `Received:` headers a message may carry before it bounces as a loop. */
  readonly hopcount_limit: number;
  /** Bytes of the original message returned in a bounce. */
  readonly bounce_size_limit: number;
  /** Virtual mailbox domains: domain names and/or `type:name` tables. */
  readonly virtual_mailbox_domains: readonly string[];
  /** Base directory of virtual mailboxes (map results are relative to it). */
  readonly virtual_mailbox_base: string;
  /** `user@domain → domain/user` (mbox) or `domain/user/` (Maildir); `@domain` catch-all. */
  readonly virtual_mailbox_maps: readonly string[];
  /** `address → target, target…`, `@domain` wildcards. */
  readonly virtual_alias_maps: readonly string[];
  /** Owner uid of virtual mailboxes (`static:200`). */
  readonly virtual_uid_maps: readonly string[];
  /** Owner gid of virtual mailboxes (`static:200`). */
  readonly virtual_gid_maps: readonly string[];
  /** Smallest uid virtual_uid_maps may give. */
  readonly virtual_minimum_uid: number;
  /** Locks for virtual mbox delivery: `fcntl`, `flock`, `dotlock`. */
  readonly virtual_mailbox_lock: readonly string[];
  /** Where `<domain>/passwd` files live (vm-pop3d: /etc/virtual). */
  readonly pop3_passwd_directory: string;
  /** Plaintext logins without TLS: `never`, `loopback` or `always`. */
  readonly pop3_plaintext_logins: "never" | "loopback" | "always";
  /** Seconds a POP3 client may stay idle. */
  readonly pop3_timeout: number;
  /** Seconds to wait after each failed login. */
  readonly pop3_failed_login_delay: number;
  /** Failed logins per session before disconnecting. */
  readonly pop3_max_failed_logins: number;
  /** Bad commands per session before disconnecting. */
  readonly pop3_max_bad_commands: number;
  /** PEM certificate chain for STLS and pop3s; empty: no TLS. */
  readonly pop3_tls_cert_file: string;
  /** PEM private key for STLS and pop3s. */
  readonly pop3_tls_key_file: string;
  /** Seconds a POP3 login allows relaying from its IP (pop-before-smtp). */
  readonly pop_before_smtp_window: number;
  /** SMTP relay permissions, in order: permit_mynetworks, permit_pop_before_smtp, reject_unauth_destination. */
  readonly smtpd_relay_restrictions: readonly string[];
  /** Log file path; empty: no log file (stderr only in the foreground). */
  readonly maillog_file: string;
  /** Seconds. */
  readonly minimal_backoff_time: number;
  /** Seconds. */
  readonly maximal_backoff_time: number;
  /** Seconds. */
  readonly maximal_queue_lifetime: number;
  /** Seconds between scans of the deferred queue. */
  readonly queue_run_delay: number;
  /**
   * Seconds the queue manager's thread stays with the queue empty and
   * nothing to do before it exits (Postfix max_idle).
   */
  readonly max_idle: number;
  /** Messages the queue manager keeps in memory at once. */
  readonly qmgr_message_active_limit: number;
  /** Deliveries in flight at once, all agents together. */
  readonly default_destination_concurrency_limit: number;
  readonly listeners: readonly Listener[];
}
