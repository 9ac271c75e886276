/**
 * The command table: every `mailsrv` command.
 *
 * DESCRIPTION
 *   `main` runs a command line against the whole table (dispatch.ts
 *   parses it). Loading the table loads every command and the daemon
 *   behind them; `mailsrv queue`, `sendmail`, `run` and `pop3` start
 *   from light_main.ts instead.
 */
import type { Command } from "./command.ts";
import { type CliOutput, runCommandLine } from "./dispatch.ts";
import { helpCommand } from "./help.ts";
import { runCommand } from "./run.ts";
import { startCommand } from "./start.ts";
import { stopCommand } from "./stop.ts";
import { statusCommand } from "./status.ts";
import { reloadCommand } from "./reload.ts";
import { flushCommand } from "./flush.ts";
import { checkCommand } from "./check.ts";
import { queueCommand } from "./queue.ts";
import { postsuperCommand } from "./postsuper.ts";
import { postcatCommand } from "./postcat.ts";
import { postconfCommand } from "./postconf.ts";
import { postmapCommand } from "./postmap.ts";
import { postaliasCommand } from "./postalias.ts";
import { importPostfixCommand } from "./import_postfix.ts";
import { deliverFileCommand } from "./deliver_file.ts";
import { newaliasesCommand } from "./newaliases.ts";
import { dkimCommand } from "./dkim.ts";
import { sendmailCommand } from "./sendmail.ts";
import { domainCommand } from "./domain.ts";
import { userCommand } from "./user.ts";
import { pop3Command } from "./pop3_command.ts";
import { stateCommand } from "./state.ts";

export { commandLineFor, invokedName } from "./invoked_as.ts";

const COMMANDS: readonly Command[] = [
  runCommand,
  startCommand,
  stopCommand,
  statusCommand,
  reloadCommand,
  flushCommand,
  pop3Command,
  domainCommand,
  userCommand,
  queueCommand,
  postsuperCommand,
  postcatCommand,
  stateCommand,
  checkCommand,
  postconfCommand,
  postmapCommand,
  postaliasCommand,
  importPostfixCommand,
  newaliasesCommand,
  dkimCommand,
  sendmailCommand,
  deliverFileCommand,
  helpCommand(() => COMMANDS),
];

export type { CliOutput } from "./dispatch.ts";

/**
 * Runs the CLI.
 * @returns the process exit code
 */
export function main(
  argv: readonly string[],
  output?: CliOutput,
): Promise<number> {
  return runCommandLine(argv, COMMANDS, output);
}
