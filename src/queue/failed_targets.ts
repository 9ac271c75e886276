/**
 * The recipients a non-delivery notice names when some were expanded.
 *
 * DESCRIPTION
 *   A queue recipient that local or virtual delivery expanded (an alias,
 *   a list, a `.forward`) comes back with one result per target. When it
 *   bounces, the notice names the targets that failed, each `<member>
 *   (expanded from <recipient>)` as Postfix's bounce(8) writes it, and
 *   never the members that were delivered. A recipient that was not
 *   expanded is named as itself.
 *
 *   Used by delivery_attempt.ts for bounces. Pure.
 */
import type { NoticeRecipient } from "./bounce.ts";
import type { DeliveryResult } from "./delivery_contract.ts";
import { noticeRecipients, type ReportedRecipient } from "./dsn_notices.ts";

/** A recipient given up on, with its result (and its targets', if any). */
export interface ReturnedRecipient extends ReportedRecipient {
  readonly result:
    & ReportedRecipient["result"]
    & Pick<DeliveryResult, "targets">;
}

/** The notice's recipients for `returned` (see the module comment). */
export function failedTargetNotices(
  returned: readonly ReturnedRecipient[],
): NoticeRecipient[] {
  return returned.flatMap((entry) => {
    const notices = noticeRecipients([entry]);
    const failed = (entry.result.targets ?? []).filter((t) =>
      t.outcome !== "sent"
    );
    if (failed.length === 0) return notices;
    const [notice] = notices;
    const queued = entry.recipient.address;
    return failed.map((target): NoticeRecipient => {
      const expanded = target.recipient.toLowerCase() !== queued.toLowerCase();
      return {
        ...notice,
        recipient: target.recipient,
        dsn: target.dsn,
        reason: target.reason,
        relay: target.relay,
        ...(expanded ? { expandedFrom: queued } : {}),
        ...(expanded && !notice.originalRecipient
          ? { originalRecipient: { type: "rfc822", address: queued } }
          : {}),
      };
    });
  });
}
