/**
 * The import report: what `mailsrv import-postfix` changed on the way,
 * and everything it could not carry over, with the reason.
 *
 * DESCRIPTION
 *   One `ReportLine` per finding, naming where in main.cf or master.cf it
 *   is. `formatReportLine` writes it as the CLI prints it and as the
 *   generated file's closing comment repeats it:
 *
 *     main.cf:31: content_filter: not translated: mailsrv has no …
 *     main.cf:40: smtpd_recipient_restrictions: note: check_relay_domains …
 *
 *   Pure.
 */

/** One finding of the import. */
export interface ReportLine {
  /** `main.cf:12`, `master.cf:30`, `vm-pop3d`. */
  readonly where: string;
  /** The parameter, service or option concerned. */
  readonly subject: string;
  /** `note`: carried over with a change; `not-translated`: left out. */
  readonly kind: "note" | "not-translated";
  readonly reason: string;
}

/** `WHERE: SUBJECT: not translated: REASON` (or `note:`). */
export function formatReportLine(line: ReportLine): string {
  const label = line.kind === "note" ? "note" : "not translated";
  return `${line.where}: ${line.subject}: ${label}: ${line.reason}`;
}
