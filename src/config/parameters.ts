/**
 * The parameter table: every configuration parameter mailsrv knows.
 *
 * DESCRIPTION
 *   One row per parameter, named as in Postfix's postconf(5): its kind
 *   (how the value is read), its default as Postfix writes it (possibly
 *   with `$name` references), the embedded default's value where that
 *   differs (used when no configuration file exists), the syntax of its
 *   items, and a one-line description. The loader, the validator and
 *   `mailsrv postconf` are all driven by this table.
 *
 *   Defaults that depend on the machine (myhostname, mydomain, mynetworks)
 *   are functions of a `DefaultContext`, so tests can pass a fixed host.
 *   `mail_name` and `mail_version` exist for `$name` expansion (as in the
 *   default `smtpd_banner`); `mail_version` cannot be set.
 *
 *   Used by the config loader and `mailsrv postconf`. Pure.
 *
 *   Does NOT read files or validate values; see `parse_config.ts`.
 */
import {
  type InterfaceAddress,
  mynetworksForStyle,
  type MynetworksStyle,
} from "../policy/networks.ts";
import { VERSION } from "../version.ts";

/** How a parameter's value is read. */
export type ParameterKind =
  | "string"
  | "list"
  | "integer"
  | "size"
  | "duration"
  | "boolean"
  | "enum"
  | "path";

/** The syntax each item of a value must have, beyond its kind. */
export type ItemSyntax =
  | "domain"
  | "network"
  | "interface"
  | "lookup-table"
  | "domain-or-table"
  | "relative-path";

/** What a computed default may depend on. */
export interface DefaultContext {
  /** The machine's host name as the system reports it. */
  readonly hostname: string;
  /** The machine's interface addresses (may be empty). */
  readonly interfaces: readonly InterfaceAddress[];
  /** The expanded value of another parameter, as it is in effect. */
  value(name: string): string;
}

/** One configuration parameter. */
export interface Parameter {
  readonly name: string;
  readonly kind: ParameterKind;
  /** The allowed values of an `enum` parameter. */
  readonly values?: readonly string[];
  /** Postfix-style default text, or how to compute it on this machine. */
  readonly defaultValue: string | ((context: DefaultContext) => string);
  /**
   * The embedded default's value where it differs from `defaultValue`;
   * relative paths are under the mailsrv home directory.
   */
  readonly embeddedDefault?: string;
  /** Smallest number allowed (integer, size, duration); 1 if not given. */
  readonly minimum?: number;
  /** Syntax of the value (or of each list item). */
  readonly syntax?: ItemSyntax;
  /** May not be set in the configuration file. */
  readonly readOnly?: boolean;
  /**
   * Left unexpanded at load: its `$name`s are filled in per delivery by
   * the local delivery agent (Postfix's forward_path, mailbox_command).
   */
  readonly expandedAtDelivery?: boolean;
  /** One line for `mailsrv postconf` help and the documentation. */
  readonly description: string;
}

/** The name mailsrv gives itself in the SMTP greeting and in logs. */
export const MAIL_NAME = "mailsrv";

/** The system host name as a fully qualified name, as Postfix wants it. */
export function qualifiedHostname(hostname: string): string {
  return hostname.includes(".") ? hostname : `${hostname}.localdomain`;
}

/** `$myhostname` minus its first label, or `localdomain`. */
export function domainOfHostname(hostname: string): string {
  const dot = hostname.indexOf(".");
  return dot === -1 || dot === hostname.length - 1
    ? "localdomain"
    : hostname.slice(dot + 1);
}

/** Every parameter, in the order of `Config`. */
export const PARAMETERS: readonly Parameter[] = Object.freeze([
  {
    name: "myhostname",
    kind: "string",
    syntax: "domain",
    defaultValue: (context: DefaultContext) =>
      qualifiedHostname(context.hostname),
    description: "The fully qualified host name of this mail system.",
  },
  {
    name: "mydomain",
    kind: "string",
    syntax: "domain",
    defaultValue: (context: DefaultContext) =>
      domainOfHostname(context.value("myhostname")),
    description: "The domain of this mail system ($myhostname minus its " +
      "first label).",
  },
  {
    name: "myorigin",
    kind: "string",
    syntax: "domain",
    defaultValue: "$myhostname",
    description: "The domain that locally posted mail appears to come from.",
  },
  {
    name: "mydestination",
    kind: "list",
    syntax: "domain",
    defaultValue: "$myhostname, localhost.$mydomain, localhost",
    embeddedDefault: "localhost",
    description: "The domains this machine delivers locally.",
  },
  {
    name: "mynetworks",
    kind: "list",
    syntax: "network",
    defaultValue: (context: DefaultContext) =>
      mynetworksForStyle(
        context.value("mynetworks_style") as MynetworksStyle,
        context.interfaces,
      ).join(", "),
    embeddedDefault: "127.0.0.0/8, ::1/128",
    description: "The trusted clients that may relay mail (CIDR networks).",
  },
  {
    name: "mynetworks_style",
    kind: "enum",
    values: ["host", "subnet", "class"],
    defaultValue: "host",
    description: "How the default mynetworks is derived from the " +
      "interfaces.",
  },
  {
    name: "inet_interfaces",
    kind: "list",
    syntax: "interface",
    defaultValue: "all",
    embeddedDefault: "loopback-only",
    description: "The addresses the SMTP server listens on by default " +
      "(all, loopback-only or IP addresses).",
  },
  {
    name: "queue_directory",
    kind: "path",
    defaultValue: "/var/spool/mailsrv",
    embeddedDefault: "var/queue",
    description: "The directory of the mail queue.",
  },
  {
    name: "message_size_limit",
    kind: "size",
    defaultValue: "10240000",
    description: "The largest message accepted, in bytes.",
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
    description: "How long the SMTP server waits for a client's command " +
      "or data.",
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
    description: "The most SMTP sessions served at once.",
  },
  {
    name: "smtpd_forbid_bare_newline",
    kind: "enum",
    values: ["normalize", "reject"],
    defaultValue: "normalize",
    description: "What to do with a bare CR or LF in message content.",
  },
  {
    name: "home_mailbox",
    kind: "string",
    syntax: "relative-path",
    defaultValue: "",
    description: "The mailbox below a user's home directory (Maildir/ for " +
      "Maildir); empty: use mail_spool_directory.",
  },
  {
    name: "mail_spool_directory",
    kind: "path",
    defaultValue: "/var/mail",
    embeddedDefault: "var/mail/",
    description: "The directory of user mailboxes; a trailing / means " +
      "Maildir.",
  },
  {
    name: "local_recipient_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "unix:passwd.byname",
    embeddedDefault: "",
    description: "Lookup tables of valid local recipients; empty: accept " +
      "any local part.",
  },
  {
    name: "recipient_delimiter",
    kind: "string",
    defaultValue: "",
    description: "The characters that separate a user name from an " +
      "address extension (user+ext).",
  },
  {
    name: "alias_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "hash:/etc/aliases",
    embeddedDefault: "hash:var/aliases",
    description: "Alias tables for local delivery (aliases(5) syntax); a " +
      "missing file is an empty table.",
  },
  {
    name: "allow_mail_to_commands",
    kind: "list",
    defaultValue: "alias, forward",
    description: "Where |command targets may come from: alias, forward, " +
      "include.",
  },
  {
    name: "allow_mail_to_files",
    kind: "list",
    defaultValue: "alias, forward",
    description: "Where /file targets may come from: alias, forward, " +
      "include.",
  },
  {
    name: "default_privs",
    kind: "string",
    defaultValue: "nobody",
    description: "The user alias commands and files run as when root " +
      "owns the aliases file (never root).",
  },
  {
    name: "command_time_limit",
    kind: "duration",
    defaultValue: "1000s",
    description: "How long a delivery command may run.",
  },
  {
    name: "local_command_shell",
    kind: "string",
    defaultValue: "/bin/sh",
    description: "The shell that runs |command targets and " +
      "mailbox_command (as `shell -c command`).",
  },
  {
    name: "mailbox_command",
    kind: "string",
    defaultValue: "",
    expandedAtDelivery: true,
    description: "A command (e.g. procmail) that delivers to users' " +
      "mailboxes, run as the user; its $VARs are the shell's.",
  },
  {
    name: "forward_path",
    kind: "list",
    defaultValue:
      "$home/.forward${recipient_delimiter}${extension}, $home/.forward",
    expandedAtDelivery: true,
    description: ".forward files to try; $home, $user, $extension and " +
      "$recipient_delimiter are filled in per delivery.",
  },
  {
    name: "owner_request_special",
    kind: "boolean",
    defaultValue: "yes",
    description: "Mail for list NAME is sent with sender owner-NAME when " +
      "that alias exists.",
  },
  {
    name: "expand_owner_alias",
    kind: "boolean",
    defaultValue: "no",
    description: "Deliver owner-NAME mail to NAME's alias expansion.",
  },
  {
    name: "hopcount_limit",
    kind: "integer",
    defaultValue: "50",
    description: "Received: headers a message may carry before it is " +
      "bounced as a mail loop.",
  },
  {
    name: "bounce_size_limit",
    kind: "size",
    defaultValue: "50000",
    description: "Bytes of the original message returned in a bounce.",
  },
  {
    name: "virtual_mailbox_domains",
    kind: "list",
    syntax: "domain-or-table",
    defaultValue: "",
    description: "Virtual mailbox domains: names, or tables of one domain " +
      "per line.",
  },
  {
    name: "virtual_mailbox_base",
    kind: "path",
    defaultValue: "",
    description: "The directory virtual_mailbox_maps results are relative " +
      "to (e.g. /var/spool/virtual).",
  },
  {
    name: "virtual_mailbox_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "user@domain → domain/user (mbox) or domain/user/ " +
      "(Maildir), relative to virtual_mailbox_base; @domain catch-all.",
  },
  {
    name: "virtual_alias_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Virtual aliases: address → target, target…; @domain " +
      "wildcards.",
  },
  {
    name: "virtual_uid_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "The uid that owns virtual mailboxes (e.g. static:200).",
  },
  {
    name: "virtual_gid_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "The gid that owns virtual mailboxes (e.g. static:200).",
  },
  {
    name: "virtual_minimum_uid",
    kind: "integer",
    defaultValue: "100",
    description: "The smallest uid virtual_uid_maps may return.",
  },
  {
    name: "virtual_mailbox_lock",
    kind: "list",
    defaultValue: "fcntl, dotlock",
    description: "Locks taken for virtual mbox delivery: fcntl, flock, " +
      "dotlock.",
  },
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
    description: "How long a POP3 client may stay idle.",
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
  {
    name: "smtpd_relay_restrictions",
    kind: "list",
    defaultValue: "permit_mynetworks, reject_unauth_destination",
    description: "Who may relay, in order: permit_mynetworks, " +
      "permit_pop_before_smtp, reject_unauth_destination.",
  },
  {
    name: "maillog_file",
    kind: "path",
    defaultValue: "",
    embeddedDefault: "var/log/maillog",
    description: "The log file; empty: log to stderr only.",
  },
  {
    name: "minimal_backoff_time",
    kind: "duration",
    defaultValue: "300s",
    description: "The shortest time between delivery attempts of a " +
      "deferred message.",
  },
  {
    name: "maximal_backoff_time",
    kind: "duration",
    defaultValue: "4000s",
    description: "The longest time between delivery attempts of a " +
      "deferred message.",
  },
  {
    name: "maximal_queue_lifetime",
    kind: "duration",
    defaultValue: "5d",
    minimum: 0,
    description: "How long a message may stay in the queue before it " +
      "bounces.",
  },
  {
    name: "queue_run_delay",
    kind: "duration",
    defaultValue: "300s",
    description: "The time between scans of the deferred queue.",
  },
  {
    name: "max_idle",
    kind: "duration",
    defaultValue: "100s",
    description:
      "How long the delivery thread waits, with the queue empty, before it exits (it starts again with the next message).",
  },
  {
    name: "qmgr_message_active_limit",
    kind: "integer",
    defaultValue: "20000",
    description: "The most messages the queue manager keeps in memory.",
  },
  {
    name: "default_destination_concurrency_limit",
    kind: "integer",
    defaultValue: "20",
    description: "The most deliveries in progress at once.",
  },
  {
    name: "mail_name",
    kind: "string",
    defaultValue: MAIL_NAME,
    description: "The mail system name in the greeting and bounces.",
  },
  {
    name: "mail_version",
    kind: "string",
    defaultValue: VERSION,
    readOnly: true,
    description: "The mailsrv version (read-only).",
  },
].map((parameter) => Object.freeze(parameter as Parameter)));

const BY_NAME: ReadonlyMap<string, Parameter> = new Map(
  PARAMETERS.map((parameter) => [parameter.name, parameter]),
);

/** The parameter called `name`, or undefined. */
export function parameterNamed(name: string): Parameter | undefined {
  return BY_NAME.get(name);
}

/** Every parameter name, in table order. */
export function parameterNames(): string[] {
  return PARAMETERS.map((parameter) => parameter.name);
}

/**
 * The default text of a parameter (unexpanded where Postfix shows it so).
 * @param embedded use the embedded default where it differs
 */
export function defaultText(
  parameter: Parameter,
  context: DefaultContext,
  embedded: boolean,
): string {
  if (embedded && parameter.embeddedDefault !== undefined) {
    return parameter.embeddedDefault;
  }
  const value = parameter.defaultValue;
  return typeof value === "string" ? value : value(context);
}
