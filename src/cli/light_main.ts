/**
 * The entry point of the commands run often or for long: `queue`,
 * `sendmail` (also `mailq`), `run` (the daemon) and `pop3` (inetd starts
 * one for every POP3 session).
 *
 * DESCRIPTION
 *   `mailsrv queue` (mailq's listing, and queue surgery) is run from
 *   scripts and by hand on big queues, `sendmail` by every mail program
 *   that submits, `pop3 --inetd` for every POP3 session, and `run` and
 *   `pop3` stay resident. Loading the whole command table (main.ts)
 *   loads every command and its npm libraries: several times the cost of
 *   listing a small queue, and megabytes the daemon's master (or each
 *   POP3 session's process) would keep for its lifetime. main.ts (the
 *   program's entry) starts here when dispatch.ts's lightCommandLine
 *   says the command line is one of LIGHT_COMMANDS, and only that
 *   command is loaded; the line is parsed and reported exactly as the
 *   whole table would.
 *   sendmail loads what a mode other than the listing needs when it runs
 *   (sendmail/modes.ts).
 */
import type { Command } from "./command.ts";
import {
  type CliOutput,
  firstPass,
  type LightCommand,
  runCommandLine,
} from "./dispatch.ts";

/** Each light command, loaded alone. */
const LOADERS: Record<LightCommand, () => Promise<Command>> = {
  queue: async () => (await import("./queue.ts")).queueCommand,
  sendmail: async () => (await import("./sendmail.ts")).sendmailCommand,
  run: async () => (await import("./run.ts")).runCommand,
  pop3: async () => (await import("./pop3_command.ts")).pop3Command,
};

/**
 * Runs a command line that dispatch.ts's lightCommandLine accepted.
 * @returns the process exit code
 */
export async function main(
  argv: readonly string[],
  output?: CliOutput,
): Promise<number> {
  const name = firstPass(argv).name as LightCommand;
  return await runCommandLine(argv, [await LOADERS[name]()], output);
}
