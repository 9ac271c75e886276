/**
 * "Table is unavailable" warnings: once per breakage, not once per lookup.
 *
 * DESCRIPTION
 *   When the file behind a table cannot be read, Postfix logs
 *
 *     warning: hash:/etc/aliases is unavailable. open database
 *       /etc/aliases.db: No such file or directory
 *
 *   and every lookup then fails with a temporary error. mailsrv logs the
 *   same line, naming the table and the file, the first time a lookup
 *   finds the file unreadable; later lookups stay quiet while it is still
 *   broken, so a busy server does not write one line per recipient. Once
 *   the file has been read again the report is cleared, so a file that
 *   breaks a second time is reported a second time.
 *
 *   The memory is per thread (per isolate): every table of the thread
 *   that reads the same file shares one report, so smtpd's recipient
 *   checks and the delivery agents each log a broken file once.
 *
 *   Used by `watched_file.ts`. Does NOT decide what a missing file means
 *   (empty table or temporary failure); the caller says so in
 *   `consequence`.
 */
import type { Maillog } from "../log/maillog.ts";
import {
  isSandboxDenial,
  sandboxDenialText,
} from "../common/sandbox_denial.ts";

/** Files reported unavailable in this thread and not read since. */
const reported = new Set<string>();

/** `No such file or directory`, without Deno's `(os error 2)` tail. */
export function reasonOf(error: unknown): string {
  if (isSandboxDenial(error)) return sandboxDenialText(error);
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

/**
 * Logs that `path` (behind table `spec`) cannot be read, unless that was
 * already logged since the file was last read.
 * @param consequence appended to the line, e.g. `; treated as an empty table`
 */
export function reportUnavailable(
  spec: string,
  path: string,
  error: unknown,
  consequence: string,
  log: Pick<Maillog, "warning">,
): void {
  if (reported.has(path)) return;
  reported.add(path);
  log.warning(
    `${spec} is unavailable. open ${path}: ${reasonOf(error)}${consequence}`,
  );
}

/** Records that `path` was read: a later failure is reported again. */
export function reportAvailable(path: string): void {
  reported.delete(path);
}
