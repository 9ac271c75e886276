/**
 * The kinds of delivery status notice, and who asked for which.
 *
 * DESCRIPTION
 *   A notice is one of:
 *
 *     failure     recipients given up on, to the sender (a bounce)
 *     delay       recipients still deferred after delay_warning_time
 *     success     recipients delivered (or relayed, or expanded) whose
 *                 RCPT TO said NOTIFY=SUCCESS
 *     postmaster  a failure of mail from the null sender, to
 *                 2bounce_notice_recipient (a double bounce)
 *
 *   `wantsNotice` applies a recipient's NOTIFY (RFC 3461 section 4.1):
 *   NEVER asks for nothing; without NOTIFY a recipient gets failure and
 *   delay notices, as before DSN existed; SUCCESS is only ever sent on
 *   request. The postmaster copy ignores NOTIFY, as Postfix's does.
 *
 *   `returnsMessage` applies RET (section 4.3): FULL returns the message,
 *   HDRS its headers; without RET, failures return the message and the
 *   other notices the headers only (Postfix's defaults). Either way
 *   bounce_size_limit still caps what is returned.
 *
 *   Used by bounce_message.ts, bounce.ts and dsn_notices.ts. Pure.
 */
import type { DsnNotifyKeyword, DsnRet } from "./types.ts";

/** What a notice reports. */
export type NoticeKind = "failure" | "delay" | "success" | "postmaster";

/** An RFC 3464 `Action:` value. */
export type DsnAction =
  | "failed"
  | "delayed"
  | "delivered"
  | "relayed"
  | "expanded";

/** The `Action:` of a recipient in a notice of `kind`, unless it says. */
export function defaultAction(kind: NoticeKind): DsnAction {
  switch (kind) {
    case "delay":
      return "delayed";
    case "success":
      return "delivered";
    default:
      return "failed";
  }
}

/** Whether a recipient with `notify` is to be told of in a `kind` notice. */
export function wantsNotice(
  notify: readonly DsnNotifyKeyword[] | undefined,
  kind: NoticeKind,
): boolean {
  switch (kind) {
    case "postmaster":
      return true;
    case "success":
      return notify?.includes("SUCCESS") ?? false;
    case "failure":
      return notify === undefined || notify.includes("FAILURE");
    case "delay":
      return notify === undefined || notify.includes("DELAY");
  }
}

/** Whether a `kind` notice returns the whole message (size permitting). */
export function returnsMessage(kind: NoticeKind, ret?: DsnRet): boolean {
  if (ret !== undefined) return ret === "FULL";
  return kind === "failure" || kind === "postmaster";
}
