/**
 * The entry point of `mailsrv queue`: the command table with only the
 * queue command in it.
 *
 * DESCRIPTION
 *   `mailsrv queue` (mailq's listing, and queue surgery) is run from
 *   scripts and by hand on big queues; loading the whole command table
 *   (main.ts) loads the daemon and its npm libraries too, several times
 *   the cost of the listing of a small queue. main.ts (the program's
 *   entry) starts here when dispatch.ts's queueCommandLine says the
 *   command line is `queue`; it is parsed and reported exactly as the
 *   whole table would.
 */
import { type CliOutput, runCommandLine } from "./dispatch.ts";
import { queueCommand } from "./queue.ts";

/**
 * Runs a `mailsrv queue` command line.
 * @returns the process exit code
 */
export function main(
  argv: readonly string[],
  output?: CliOutput,
): Promise<number> {
  return runCommandLine(argv, [queueCommand], output);
}
