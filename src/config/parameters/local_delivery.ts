/**
 * Parameter rows: local delivery (mailboxes, aliases, .forward, commands
 * and files).
 *
 * DESCRIPTION
 *   The parameters Postfix's local(8) reads, in the order it applies
 *   them: where mailboxes are, who is a local recipient, aliases,
 *   `.forward`, what `|command` and `/file` targets may do.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The local delivery agent's parameters. */
export const LOCAL_DELIVERY_PARAMETERS = [
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
    name: "mailbox_size_limit",
    kind: "size",
    defaultValue: "51200000",
    minimum: 0,
    description: "The largest mbox file, Maildir message file or file " +
      "target local delivery writes, in bytes (over it: bounced 5.2.2); " +
      "0: no limit.",
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
] as const satisfies readonly Parameter[];
