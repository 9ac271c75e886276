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
  /** Service kind; later issues add `submission`, `smtps`, `pop3`, `pop3s`. */
  readonly kind: "smtp";
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
  /** Messages the queue manager keeps in memory at once. */
  readonly qmgr_message_active_limit: number;
  /** Deliveries in flight at once, all agents together. */
  readonly default_destination_concurrency_limit: number;
  readonly listeners: readonly Listener[];
}
