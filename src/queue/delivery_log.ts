/**
 * The maillog lines of the queue manager (pure formatting).
 *
 * DESCRIPTION
 *   Formats the lines admins and pflogsumm know from Postfix's qmgr and
 *   delivery agents (global/log_adhoc.c):
 *
 *     ID: from=<alice@example.com>, size=1234, nrcpt=2 (queue active)
 *     ID: to=<bob@example.org>, relay=local, delay=0.12,
 *         delays=0.01/0/0/0.11, dsn=2.0.0, status=sent (delivered to maildir)
 *     ID: to=<carol@example.org>, orig_to=<team@example.org>, relay=local, …
 *     ID: removed
 *
 *   `delays=a/b/c/d` is the time before the queue manager (arrival to
 *   active), in the queue manager (active to hand-off), connection set-up
 *   (always 0 here: agents do not report it) and delivery. Durations keep
 *   two significant digits, at most two decimals, and whole seconds from
 *   10 s up, as Postfix prints them. Control characters in addresses and
 *   reasons become spaces, so a line is always one line.
 *
 *   Does not choose what to log or when; see delivery_attempt.ts.
 */
import type { DeliveryResult } from "./delivery_contract.ts";
import { withoutControlCharacters } from "./queue_file.ts";
import type { Envelope } from "./types.ts";

/** The time stamps of one delivery, milliseconds since the epoch. */
export interface DeliveryTimes {
  /** Arrival in the queue (the queue file's arrival time). */
  readonly arrival: number;
  /** Entry into the active queue. */
  readonly active: number;
  /** Hand-off to the delivery agent. */
  readonly handoff: number;
  /** End of the delivery attempt. */
  readonly done: number;
}

const MAILLOG_STATUS = {
  sent: "sent",
  deferred: "deferred",
  bounced: "bounced",
} as const;

const printable = withoutControlCharacters;

/**
 * Formats a duration as Postfix's delay fields: `0`, `0.05`, `0.12`,
 * `1.2`, `12`, `1234`.
 */
export function formatDelay(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const resolution = whole >= 10_000 ? 1000 : whole >= 1000 ? 100 : 10;
  const rounded = Math.floor((whole + resolution / 2) / resolution) *
    resolution;
  const seconds = Math.floor(rounded / 1000);
  const fraction = rounded % 1000;
  if (fraction === 0) return String(seconds);
  return `${seconds}.${String(fraction).padStart(3, "0").replace(/0+$/, "")}`;
}

/** `ID: from=<sender>, size=N, nrcpt=M (queue active)`. */
export function formatActiveLine(envelope: Envelope): string {
  return `${envelope.id}: from=<${
    printable(envelope.sender)
  }>, size=${envelope.size}, nrcpt=${envelope.recipients.length} (queue active)`;
}

/**
 * `ID: to=<r>, relay=…, delay=…, delays=…, dsn=…, status=… (reason)`, with
 * `orig_to=<o>` after `to=` when the original recipient differs.
 */
export function formatDeliveryLine(
  id: string,
  recipient: string,
  result: Omit<DeliveryResult, "targets">,
  times: DeliveryTimes,
  originalRecipient?: string,
): string {
  const delays = [
    times.active - times.arrival,
    times.handoff - times.active,
    0,
    times.done - times.handoff,
  ].map(formatDelay).join("/");
  const origTo = originalRecipient !== undefined &&
      originalRecipient.toLowerCase() !== recipient.toLowerCase()
    ? `, orig_to=<${printable(originalRecipient)}>`
    : "";
  return `${id}: to=<${printable(recipient)}>${origTo}, relay=${
    printable(result.relay)
  }, delay=${formatDelay(times.done - times.arrival)}, delays=${delays}, dsn=${
    printable(result.dsn)
  }, status=${MAILLOG_STATUS[result.outcome]} (${printable(result.reason)})`;
}

/** One maillog line and the program it is logged under. */
export interface DeliveryLogLine {
  readonly program: string;
  readonly text: string;
}

/**
 * The lines of one recipient's delivery: one per target when it was
 * expanded (alias, list, `.forward`), the recipient as `orig_to=`, as
 * Postfix's local(8) logs them; else one.
 */
export function deliveryLogLines(
  id: string,
  recipient: string,
  result: DeliveryResult,
  times: DeliveryTimes,
): DeliveryLogLine[] {
  const targets = result.targets ?? [];
  if (targets.length === 0) {
    return [{
      program: deliveryProgram(result.relay),
      text: formatDeliveryLine(id, recipient, result, times),
    }];
  }
  return targets.map((target) => ({
    program: deliveryProgram(target.relay),
    text: formatDeliveryLine(id, target.recipient, target, times, recipient),
  }));
}

/**
 * The program name a delivery is logged under, as Postfix's agents log:
 * `qmgr` for decisions without an agent (`relay=none`), `local`,
 * `virtual`, and `smtp` for anything relayed to a host.
 */
export function deliveryProgram(relay: string): string {
  if (relay === "none") return "qmgr";
  if (relay === "local" || relay === "virtual") return relay;
  return "smtp";
}

/**
 * `ID: from=<sender>, status=expired, returned to sender`: the message
 * outlived maximal_queue_lifetime and its deferred recipients bounced.
 */
export function formatExpiredLine(envelope: Envelope): string {
  return `${envelope.id}: from=<${
    printable(envelope.sender)
  }>, status=expired, returned to sender`;
}
