/**
 * Parameter rows: Postfix parameters that have no effect in mailsrv.
 *
 * DESCRIPTION
 *   Parameters a Postfix `main.cf` (Debian's in particular) carries that
 *   mailsrv accepts so the file reads unchanged: where Postfix installs
 *   its programs and documents, the accounts its daemons run as, its
 *   compatibility level, its alias and TLS session databases. Each row
 *   says, in `noEffect`, why nothing in mailsrv uses it; `mailsrv
 *   postconf` prints that reason when the parameter is set or named
 *   (`../no_effect.ts`). Values are not checked beyond their TOML type:
 *   nothing reads them.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 *
 *   Does NOT hold parameters that will gain an effect with outbound
 *   delivery (relayhost, delay_warning_time, the smtp_* client
 *   parameters).
 */
import type { Parameter } from "../parameter_row.ts";

/** Accepted for Postfix's sake; each says why it does nothing here. */
export const COMPATIBILITY_PARAMETERS = [
  {
    name: "biff",
    kind: "boolean",
    defaultValue: "yes",
    noEffect: "mailsrv never notifies the comsat (biff) service of new mail",
    description: "Postfix: notify the local biff service of new mail.",
  },
  {
    name: "append_dot_mydomain",
    kind: "boolean",
    defaultValue: "no",
    noEffect: "mailsrv never appends .$mydomain to user@host addresses; " +
      "only an address without @ is completed, with @$myorigin",
    description: "Postfix: append .$mydomain to user@host addresses.",
  },
  {
    name: "compatibility_level",
    kind: "string",
    defaultValue: "0",
    noEffect: "mailsrv has one set of defaults, shown by " +
      "`mailsrv postconf -d`; there are no compatibility levels to choose " +
      "from",
    description: "Postfix: which release's default settings apply.",
  },
  {
    name: "alias_database",
    kind: "list",
    defaultValue: "hash:/etc/aliases",
    noEffect: "newaliases builds no database: mailsrv reads the " +
      "alias_maps text files directly and re-reads them when they change",
    description: "Postfix: the alias databases newaliases rebuilds.",
  },
  {
    name: "readme_directory",
    kind: "string",
    defaultValue: "no",
    noEffect: "mailsrv installs no README files; its documentation is " +
      "README.md and docs/ in its source",
    description: "Postfix: where its README files are installed.",
  },
  {
    name: "html_directory",
    kind: "string",
    defaultValue: "no",
    noEffect: "mailsrv installs no HTML documentation",
    description: "Postfix: where its HTML documentation is installed.",
  },
  {
    name: "manpage_directory",
    kind: "string",
    defaultValue: "/usr/local/man",
    noEffect: "mailsrv installs no manual pages; `mailsrv help COMMAND` " +
      "describes each command",
    description: "Postfix: where its manual pages are installed.",
  },
  {
    name: "sample_directory",
    kind: "string",
    defaultValue: "/etc/postfix",
    noEffect: "mailsrv installs no sample configuration files; " +
      "`mailsrv postconf -d` shows every default",
    description: "Postfix: where its sample configuration files are " +
      "installed.",
  },
  {
    name: "command_directory",
    kind: "string",
    defaultValue: "/usr/sbin",
    noEffect: "mailsrv is one program; its administrative commands are " +
      "its subcommands (mailsrv postconf, mailsrv queue, ...)",
    description: "Postfix: where its administrative commands are " +
      "installed.",
  },
  {
    name: "daemon_directory",
    kind: "string",
    defaultValue: "/usr/libexec/postfix",
    noEffect: "mailsrv's servers and delivery agents run inside the one " +
      "mailsrv program, not as separate daemon programs",
    description: "Postfix: where its daemon programs are installed.",
  },
  {
    name: "data_directory",
    kind: "string",
    defaultValue: "/var/lib/postfix",
    noEffect: "mailsrv keeps its state (pid file, control socket, " +
      "pop-before-smtp database) under queue_directory",
    description: "Postfix: where its caches and random seed are kept.",
  },
  {
    name: "mail_owner",
    kind: "string",
    defaultValue: "postfix",
    noEffect: "mailsrv runs as the user who starts it and keeps its roles " +
      "apart with Deno permissions, not with a mail_owner account",
    description: "Postfix: the account its daemons and queue belong to.",
  },
  {
    name: "setgid_group",
    kind: "string",
    defaultValue: "postdrop",
    noEffect: "mailsrv has no set-group-id programs (Postfix's postdrop " +
      "and postqueue)",
    description: "Postfix: the group of its set-group-id submission " +
      "programs.",
  },
  {
    name: "sendmail_path",
    kind: "string",
    defaultValue: "/usr/sbin/sendmail",
    noEffect: "mailsrv installs nothing at this path; it is where " +
      "Postfix's installer puts its sendmail(1) program",
    description: "Postfix: where its sendmail(1) program is installed.",
  },
  {
    name: "newaliases_path",
    kind: "string",
    defaultValue: "/usr/bin/newaliases",
    noEffect: "mailsrv installs nothing at this path; run " +
      "`mailsrv newaliases` to check the alias files",
    description: "Postfix: where its newaliases(1) program is installed.",
  },
  {
    name: "mailq_path",
    kind: "string",
    defaultValue: "/usr/bin/mailq",
    noEffect: "mailsrv installs nothing at this path; run " +
      "`mailsrv queue` to list the queue",
    description: "Postfix: where its mailq(1) program is installed.",
  },
  {
    name: "smtpd_tls_session_cache_database",
    kind: "string",
    defaultValue: "",
    noEffect: "mailsrv keeps no TLS session cache database (Postfix's " +
      "tlsmgr) for its SMTP server",
    description: "Postfix: the SMTP server's TLS session cache.",
  },
  {
    name: "smtp_tls_session_cache_database",
    kind: "string",
    defaultValue: "",
    noEffect: "mailsrv keeps no TLS session cache database (Postfix's " +
      "tlsmgr) for its SMTP client",
    description: "Postfix: the SMTP client's TLS session cache.",
  },
] as const satisfies readonly Parameter[];
