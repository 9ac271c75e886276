/**
 * What `mailsrv postsuper` and `mailsrv queue delete|hold|release|requeue`
 * print: Postfix postsuper's lines, word for word (postsuper.c), on
 * standard error as postsuper writes them.
 *
 *   postsuper: 8DsBw0lSIIgfQSJ: removed
 *   postsuper: Deleted: 1 message
 *
 * A message named by ID gets its own line; ALL prints only the total,
 * and a total of zero prints nothing. Pure.
 */
import type { SurgeryOperation, SurgeryReport } from "../queue/mod.ts";

const DONE: Record<SurgeryOperation, string> = {
  delete: "removed",
  hold: "placed on hold",
  release: "released from hold",
  requeue: "requeued",
};

const TOTAL: Record<SurgeryOperation, string> = {
  requeue: "Requeued",
  delete: "Deleted",
  hold: "Placed on hold",
  release: "Released from hold",
};

/** Postfix prints its totals in this order. */
export const TOTAL_ORDER: readonly SurgeryOperation[] = [
  "requeue",
  "delete",
  "hold",
  "release",
];

/** The lines for one report, before the totals. */
export function surgeryLines(
  report: SurgeryReport,
  byId: boolean,
): string[] {
  return [
    ...report.invalid.map((id) =>
      `postsuper: warning: invalid mail queue id: ${id}`
    ),
    ...report.failed.map(({ id, error }) =>
      `postsuper: warning: ${id}: ${error}`
    ),
    ...(byId
      ? report.done.map((id) => `postsuper: ${id}: ${DONE[report.operation]}`)
      : []),
  ];
}

/** `postsuper: Deleted: 3 messages`, or nothing for none. */
export function surgeryTotalLine(
  operation: SurgeryOperation,
  count: number,
): string[] {
  if (count <= 0) return [];
  return [
    `postsuper: ${TOTAL[operation]}: ${count} message${count > 1 ? "s" : ""}`,
  ];
}
