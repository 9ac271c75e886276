/**
 * Logging as the daemon sets it up, in every thread that logs.
 *
 * The log file's directory is created when missing; each thread opens its
 * own handle in append mode, and every write is whole lines, so lines from
 * the SMTP side and the queue manager's thread never interleave.
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";
import { setupLogging } from "../log/maillog.ts";

/**
 * Points this thread's maillog at `config`'s log file (and stderr in the
 * foreground).
 * @throws when the log file cannot be opened
 */
export async function configureLogging(
  config: Config,
  foreground: boolean,
): Promise<void> {
  if (config.maillog_file) {
    await Deno.mkdir(dirname(config.maillog_file), { recursive: true });
  }
  await setupLogging({
    hostname: config.myhostname,
    stderr: foreground,
    file: config.maillog_file || undefined,
  });
}
