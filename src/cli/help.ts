/**
 * `mailsrv help [COMMAND]` and the text of `--help`.
 */
import { type Command, EXIT } from "./command.ts";

/** Usage text of one command (what `mailsrv CMD --help` prints). */
export function commandHelp(command: Command): string {
  return `usage: mailsrv ${command.usage}\n\n${command.description}\n\n` +
    `Every command accepts --config PATH (default /etc/mailsrv/mailsrv.toml\n` +
    `when it exists, else the embedded default) and --help.\n`;
}

/** Overview of all commands (what `mailsrv help` prints). */
export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: mailsrv [--config PATH] COMMAND [ARGS...]\n\n` +
    `mailsrv is a single-binary mail server: SMTP in, a durable queue, and\n` +
    `local delivery to Maildir and mbox, with Postfix's names and habits.\n\n` +
    `Commands:\n` +
    commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join("") +
    `\nRun "mailsrv help COMMAND" for details.\n`;
}

/** Builds the `help` subcommand over the command table. */
export function helpCommand(all: () => readonly Command[]): Command {
  return {
    name: "help",
    summary: "show help for mailsrv or one command",
    usage: "help [COMMAND]",
    description: "Shows the list of commands, or the details of one.",
    options: {},
    maxOperands: 1,
    run(context) {
      const [name] = context.operands;
      if (!name) {
        context.print(overview(all()));
        return Promise.resolve(EXIT.ok);
      }
      const command = all().find((c) => c.name === name);
      if (!command) {
        context.warn(`mailsrv: unknown command "${name}"; see "mailsrv help"`);
        return Promise.resolve(EXIT.usage);
      }
      context.print(commandHelp(command));
      return Promise.resolve(EXIT.ok);
    },
  };
}
