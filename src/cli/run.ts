/**
 * `mailsrv run` — the daemon in the foreground (systemd, containers, the
 * README's first command). Logs go to stderr and to `maillog_file`.
 */
import type { Command } from "./command.ts";
import { runDaemon } from "../master/daemon.ts";

/** The `run` subcommand. */
export const runCommand: Command = {
  name: "run",
  summary: "run the mail system in the foreground",
  usage: "run [--config PATH] [--quiet]",
  description:
    `Runs SMTP, the queue manager and local delivery in this process until
SIGTERM, SIGINT or \`mailsrv stop\`; SIGHUP or \`mailsrv reload\` re-reads
the configuration. Maillog lines go to stderr (unless --quiet) and to
maillog_file. With no configuration file, mailsrv runs on its embedded
default: everything under ./var (or $MAILSRV_HOME), SMTP on
127.0.0.1:2525, mail for any-name@localhost in var/mail/any-name/.`,
  options: { quiet: { type: "boolean", short: "q" } },
  run: (context) =>
    runDaemon({
      configPath: context.configPath,
      foreground: !context.values.quiet,
    }),
};
