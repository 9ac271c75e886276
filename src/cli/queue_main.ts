/**
 * The entry point of `mailsrv queue` and `sendmail` (also `mailq`): the
 * command table with only those two commands in it.
 *
 * DESCRIPTION
 *   `mailsrv queue` (mailq's listing, and queue surgery) is run from
 *   scripts and by hand on big queues; loading the whole command table
 *   (main.ts) loads the daemon and its npm libraries too, several times
 *   the cost of the listing of a small queue. main.ts (the program's
 *   entry) starts here when dispatch.ts's lightCommandLine says the
 *   command line is `queue` or `sendmail`; it is parsed and reported
 *   exactly as the whole table would. sendmail loads what a mode other
 *   than the listing needs when it runs (sendmail/modes.ts), so a
 *   message submitted by a mail program does not load the daemon either.
 */
import { type CliOutput, runCommandLine } from "./dispatch.ts";
import { queueCommand } from "./queue.ts";
import { sendmailCommand } from "./sendmail.ts";

/**
 * Runs a `mailsrv queue` or `sendmail` command line.
 * @returns the process exit code
 */
export function main(
  argv: readonly string[],
  output?: CliOutput,
): Promise<number> {
  return runCommandLine(argv, [queueCommand, sendmailCommand], output);
}
