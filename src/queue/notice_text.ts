/**
 * The human-readable words of delivery status notices.
 *
 * DESCRIPTION
 *   For each kind of notice (notice_kind.ts): its Subject, and the
 *   opening paragraphs of its text/plain part, before the per-recipient
 *   lines. The failure notice keeps the wording Postfix users know from
 *   bounce(8); the others say plainly what happened and what, if
 *   anything, the reader should do.
 *
 *   Used by bounce_message.ts. Pure.
 *
 *   Does NOT lay out the per-recipient lines or the report itself.
 */
import type { NoticeKind } from "./notice_kind.ts";

/** What the opening text needs to know. */
export interface NoticeTextInput {
  readonly kind: NoticeKind;
  readonly myhostname: string;
  /** The original, or only its headers, is attached. */
  readonly returned: "message" | "headers";
  /** How long the message has been queued, in milliseconds. */
  readonly ageMs: number;
  /** How long it will be retried in all, in seconds (delay notices). */
  readonly lifetimeSeconds?: number;
}

/** The Subject: of a notice of `kind`. */
export function noticeSubject(kind: NoticeKind): string {
  switch (kind) {
    case "failure":
      return "Undelivered Mail Returned to Sender";
    case "delay":
      return "Delayed Mail (still being retried)";
    case "success":
      return "Successful Mail Delivery Report";
    case "postmaster":
      return "Postmaster Copy: Undelivered Mail";
  }
}

/** `5 day(s)`, `4 hour(s)`, `30 minute(s)`: the largest whole unit. */
export function roughDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) return `${Math.floor(seconds / size)} ${name}(s)`;
  }
  return `${Math.max(0, Math.floor(seconds))} second(s)`;
}

const SIGNATURE = "                   The mail system";

/** The text/plain part's opening lines, LF-free strings. */
export function noticeOpening(input: NoticeTextInput): string[] {
  const host = `This is the mail system at host ${input.myhostname}.`;
  const attached = input.returned === "message"
    ? "It's attached below."
    : "Its headers are attached below.";
  switch (input.kind) {
    case "failure":
      return [
        host,
        "",
        "I'm sorry to have to inform you that your message could not",
        `be delivered to one or more recipients. ${attached}`,
        "",
        "For further assistance, please send mail to postmaster.",
        "",
        "If you do so, please include this problem report. You can",
        "delete your own text from the attached returned message.",
        "",
        SIGNATURE,
      ];
    case "delay":
      return [
        host,
        "",
        "This is a warning only: there is no need to send your message",
        "again. It has waited in the queue for " +
        `${roughDuration(input.ageMs / 1000)} without reaching the`,
        "recipients listed below, and delivery is still being tried" +
        (input.lifetimeSeconds === undefined ? "." : ","),
        ...(input.lifetimeSeconds === undefined ? [] : [
          "until the message is " +
          `${roughDuration(input.lifetimeSeconds)} old. You will be told if ` +
          "it fails.",
        ]),
        "",
        SIGNATURE,
      ];
    case "success":
      return [
        host,
        "",
        "As you asked, here is the delivery report of your message to",
        'the recipients listed below. "delivered" means it reached the',
        'mailbox; "relayed" means it was passed to a system that sends',
        'no such reports; "expanded" means the address forwarded it to',
        "further recipients, who may still fail.",
        "",
        SIGNATURE,
      ];
    case "postmaster":
      return [
        host,
        "",
        "A message from the null sender (usually a delivery status",
        "notification) could not be delivered, and there is nobody to",
        `return it to. The reason is below. ${attached}`,
        "",
        SIGNATURE,
      ];
  }
}
