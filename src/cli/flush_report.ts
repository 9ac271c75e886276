/**
 * What `mailsrv flush --wait` prints and the exit code it returns.
 *
 * DESCRIPTION
 *   A progress line per message, when standard output is a terminal:
 *
 *     8E9lc17VTdMGar8: 2 sent, 1 deferred (connect to mx.example.com: timed out)
 *
 *   and always one summary line, counting recipients as the maillog
 *   counts deliveries:
 *
 *     flush: 3 messages: 4 sent, 1 deferred, 0 bounced
 *
 *   Exit codes, for ip-up scripts and cron jobs (sysexits(3)):
 *
 *     0    nothing left deferred: every recipient tried was delivered or
 *          returned to its sender, or there was nothing to do
 *     75   EX_TEMPFAIL: some mail is still deferred (the link is not
 *          really up, the far end said "try later"), or the mail system
 *          stopped before the run was over; try again later
 *     1    a message could not be processed (corrupt or unreadable queue
 *          file; see the maillog), or the run could not be done at all
 *
 *   Used by `mailsrv flush` only. Pure.
 */
import type { FlushedMessage, FlushReport } from "../queue/mod.ts";
import { EXIT } from "./command.ts";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The progress line of one message (no newline). */
export function formatFlushedMessage(message: FlushedMessage): string {
  if (message.error) {
    return `${message.id}: not delivered: queue file problem (see the maillog)`;
  }
  const parts: string[] = [];
  if (message.sent > 0) parts.push(`${message.sent} sent`);
  if (message.deferred > 0) {
    parts.push(
      `${message.deferred} deferred` +
        (message.reason ? ` (${message.reason})` : ""),
    );
  }
  if (message.bounced > 0) parts.push(`${message.bounced} bounced`);
  return `${message.id}: ${parts.join(", ") || "nothing to do"}`;
}

/** The summary line (no newline). */
export function formatFlushReport(report: FlushReport): string {
  let line = `flush: ${plural(report.messages, "message")}: ` +
    `${report.sent} sent, ${report.deferred} deferred, ` +
    `${report.bounced} bounced`;
  if (report.errors > 0) line += `, ${plural(report.errors, "error")}`;
  if (report.interrupted) {
    line += " (interrupted: the mail system stopped first)";
  }
  return line;
}

/** The exit code a finished run stands for (see the module comment). */
export function flushExitCode(report: FlushReport): number {
  if (report.errors > 0) return EXIT.failure;
  if (report.deferred > 0 || report.interrupted) return EXIT.tempfail;
  return EXIT.ok;
}
