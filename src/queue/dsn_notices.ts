/**
 * DSN on the queue manager's side: what agents are told, and the
 * success and delay notices.
 *
 * DESCRIPTION
 *   `dsnParameters` gives a delivery the DSN parameters of its message
 *   and recipient (RET, ENVID, NOTIFY, ORCPT), for an agent that passes
 *   them on.
 *
 *   `notifySuccess` sends one success notice (RFC 3461 NOTIFY=SUCCESS)
 *   for the recipients of an attempt that were delivered and asked for
 *   it, each with the `Action:` its agent reported (delivered, relayed,
 *   expanded); an agent that reports no action (the next hop took the
 *   NOTIFY parameter) sends none. The notice goes through the queue's
 *   gate like a bounce (bounce.ts). It is sent after the deliveries are
 *   recorded, and is informational: a notice that cannot be written is
 *   logged and not retried (the deliveries are not repeated for it).
 *
 *   `warnDelay` sends the delay notice (Action: delayed) once a deferred
 *   message is delay_warning_time old, for the recipients still pending
 *   that have not had one and whose NOTIFY allows it (absent NOTIFY
 *   does), then records each with the `W` status byte, unsynced (a
 *   crash may repeat the warning, never lose mail). A failure to write
 *   it is logged; the next attempt tries again.
 *
 *   Neither is sent for mail from the null sender (bounce.ts).
 *
 *   Used by delivery_attempt.ts. Needs the gate and the store.
 *
 * STANDARDS
 *   RFC 3461 sections 4.1 and 6.2 (which notices, and when), RFC 3464.
 *
 *   Does NOT decide deliveries or bounces.
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import { isDelayWarningDue } from "./backoff.ts";
import { type NoticeRecipient, sendBounce } from "./bounce.ts";
import type { DsnAction, NoticeKind } from "./notice_kind.ts";
import { wantsNotice } from "./notice_kind.ts";
import type { QueueStore } from "./store.ts";
import type {
  DsnNotifyKeyword,
  DsnRet,
  Enqueue,
  Envelope,
  OriginalRecipient,
  QueuedRecipient,
} from "./types.ts";

/** What the notices need from the queue manager. */
export interface NoticeContext {
  readonly store: QueueStore;
  /** The queue's gate. */
  readonly enqueue: Enqueue;
  readonly config: () => Config;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** A recipient and what its delivery attempt reported. */
export interface ReportedRecipient {
  readonly recipient: QueuedRecipient;
  readonly result: {
    readonly dsn: string;
    readonly reason: string;
    readonly relay: string;
    readonly dsnAction?: DsnAction;
  };
}

/** The DSN parameters a delivery to `recipient` carries. */
export interface DsnParameters {
  readonly ret?: DsnRet;
  readonly envid?: string;
  readonly notify?: readonly DsnNotifyKeyword[];
  readonly orcpt?: OriginalRecipient;
}

const qmgr = maillog("qmgr");

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The DSN parameters of `envelope` and `recipient`; undefined if none. */
export function dsnParameters(
  envelope: Envelope,
  recipient: QueuedRecipient,
): DsnParameters | undefined {
  const { ret, envid } = envelope;
  const { notify, orcpt } = recipient;
  if (!ret && envid === undefined && !notify && !orcpt) return undefined;
  return {
    ...(ret ? { ret } : {}),
    ...(envid !== undefined ? { envid } : {}),
    ...(notify ? { notify } : {}),
    ...(orcpt ? { orcpt } : {}),
  };
}

/** `reported` as a notice's recipients. */
export function noticeRecipients(
  reported: readonly ReportedRecipient[],
  action?: (result: ReportedRecipient["result"]) => DsnAction | undefined,
): NoticeRecipient[] {
  return reported.map(({ recipient, result }) => ({
    recipient: recipient.address,
    dsn: result.dsn,
    reason: result.reason,
    relay: result.relay,
    ...(recipient.orcpt ? { originalRecipient: recipient.orcpt } : {}),
    ...(recipient.notify ? { notify: recipient.notify } : {}),
    ...(action?.(result) ? { action: action(result) } : {}),
  }));
}

/** Sends a `kind` notice for `recipients`; resolves to its queue ID. */
function send(
  context: NoticeContext,
  envelope: Envelope,
  kind: NoticeKind,
  recipients: readonly NoticeRecipient[],
): Promise<string | undefined> {
  return sendBounce(context.enqueue, {
    kind,
    envelope,
    content: () => context.store.openContent("active", envelope.id, envelope),
    failures: recipients,
    config: context.config(),
    now: context.now(),
  });
}

/**
 * Sends the success notice for the `delivered` recipients that asked
 * for one and whose agent reported an action. Never rejects.
 */
export async function notifySuccess(
  context: NoticeContext,
  envelope: Envelope,
  delivered: readonly ReportedRecipient[],
): Promise<void> {
  const reported = delivered.filter(({ recipient, result }) =>
    result.dsnAction !== undefined && wantsNotice(recipient.notify, "success")
  );
  if (reported.length === 0) return;
  try {
    await send(
      context,
      envelope,
      "success",
      noticeRecipients(reported, (result) => result.dsnAction),
    );
  } catch (error) {
    qmgr.warning(
      `${envelope.id}: cannot send the sender delivery status notification: ${
        errorText(error)
      }`,
    );
  }
}

/**
 * Sends the delay notice for the `deferred` recipients of a message
 * that is due one, and records them `W`. Never rejects.
 */
export async function warnDelay(
  context: NoticeContext,
  envelope: Envelope,
  deferred: readonly ReportedRecipient[],
): Promise<void> {
  const config = context.config();
  const age = context.now() - envelope.arrivalTime;
  if (!isDelayWarningDue(age, config) || envelope.sender === "") return;
  const due = deferred.filter(({ recipient }) =>
    !recipient.delayWarned && wantsNotice(recipient.notify, "delay")
  );
  if (due.length === 0) return;
  try {
    await send(context, envelope, "delay", noticeRecipients(due));
    await context.store.markDelayWarned(
      "active",
      envelope.id,
      due.map(({ recipient }) => recipient.statusOffset),
    );
  } catch (error) {
    qmgr.warning(
      `${envelope.id}: cannot send the sender delay notification: ${
        errorText(error)
      }`,
    );
  }
}
