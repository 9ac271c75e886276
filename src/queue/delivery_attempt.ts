/**
 * One delivery attempt of one message in the active queue.
 *
 * DESCRIPTION
 *   For a message the queue manager has moved to active/: read its
 *   envelope, hand every recipient still pending (never one recorded as
 *   delivered or bounced) to the delivery agents, at most as many at once
 *   as the delivery slots allow, and record each result in the queue file
 *   before counting it (sent → D; deferred stays P) — except when only
 *   one recipient was pending: then the durable removal of the file is
 *   the record, which costs a shared directory fsync instead of a write
 *   and an fdatasync per message.
 *
 *   A bounced recipient is never recorded before its notice exists: the
 *   recipients that failed permanently in this attempt (and, once the
 *   message has outlived maximal_queue_lifetime, those deferred) get ONE
 *   non-delivery notification through the queue's gate (bounce.ts), and
 *   only once it is durable are they recorded B. A crash in between
 *   repeats the delivery and the notice at worst; it never loses the
 *   notice. A notice that cannot be written (disk full) leaves them
 *   pending, deferred like the others, so it is tried again. Mail from
 *   the null sender gets a postmaster copy instead (bounce.ts), and
 *   expires after bounce_queue_lifetime. Recipients that asked for
 *   NOTIFY=SUCCESS get a success notice, and deferred ones a delay notice
 *   once the message is delay_warning_time old (dsn_notices.ts). Then:
 *
 *     nothing pending     remove the file (and defer/<id>): `ID: removed`
 *     some deferred, the message older than maximal_queue_lifetime
 *                         returned to sender with the bounced ones:
 *                         `status=expired, returned to sender`, then
 *                         remove the file
 *     some deferred       write defer/<id>, set the retry time (mtime) per
 *                         backoff.ts, move the file to deferred/
 *
 *   A file that does not parse goes to corrupt/ with a warning; the daemon
 *   carries on. If the manager stops before every recipient got its
 *   attempt, the file stays in active/ for the next start, which only
 *   retries what is still pending.
 *
 *   An agent that throws a DeliveryError defers or bounces per its
 *   `temporary` flag; any other exception is a bug, logged as a warning
 *   and treated as a deferral, so no mail is lost to it.
 *
 *   An attempt made for a flush tells the agents so (`flushRequested`):
 *   a flush delivers the mail of defer_transports too, as Postfix's
 *   `postqueue -f` does. The attempt reports how its recipients came out
 *   (flush_run.ts counts them for `mailsrv flush --wait`).
 */
import type { Config } from "../config/types.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
} from "./delivery_contract.ts";
import { maillog } from "../log/maillog.ts";
import {
  isSandboxDenial,
  sandboxDenialText,
} from "../common/sandbox_denial.ts";
import { isExpired, retryDelay } from "./backoff.ts";
import { sendBounce } from "./bounce.ts";
import { dsnParameters, notifySuccess, warnDelay } from "./dsn_notices.ts";
import { failedTargetNotices } from "./failed_targets.ts";
import type { DeferReason } from "./defer_reasons.ts";
import {
  deliveryLogLines,
  formatActiveLine,
  formatExpiredLine,
} from "./delivery_log.ts";
import type { DeliverySlots } from "./delivery_slots.ts";
import type { AttemptTally } from "./flush_run.ts";
import { CorruptQueueFileError } from "./queue_file.ts";
import { messageContent } from "./message_content.ts";
import { createStatusRecorder } from "./status_recorder.ts";
import type { QueueStore } from "./store.ts";
import type { Enqueue, Envelope, QueuedRecipient } from "./types.ts";

/** What an attempt needs from the queue manager. */
export interface DeliveryAttemptContext {
  readonly store: QueueStore;
  /** The queue's gate, for bounces. */
  readonly enqueue: Enqueue;
  readonly config: () => Config;
  readonly deliver: (message: DeliveryMessage) => Promise<DeliveryResult>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly slots: DeliverySlots;
}

/** A recipient not delivered, and why (the result or the failure). */
interface Undelivered {
  readonly recipient: QueuedRecipient;
  readonly result: Omit<DeliveryResult, "outcome">;
}

/** How one pending recipient came out of this attempt. */
type Outcome =
  | { readonly kind: "final"; readonly sent?: Undelivered }
  | ({ readonly kind: "deferred" } & Undelivered)
  | ({ readonly kind: "bounced" } & Undelivered)
  | { readonly kind: "not attempted" };

type Deferred = Extract<Outcome, { kind: "deferred" }>;
type Bounced = Extract<Outcome, { kind: "bounced" }>;

const qmgr = maillog("qmgr");

function errorText(error: unknown): string {
  if (isSandboxDenial(error)) return sandboxDenialText(error);
  return error instanceof Error ? error.message : String(error);
}

/** The result an agent's exception stands for. */
function resultOfError(
  id: string,
  recipient: string,
  error: unknown,
): DeliveryResult {
  if (error instanceof DeliveryError) {
    return {
      outcome: error.temporary ? "deferred" : "bounced",
      dsn: error.dsn,
      reason: error.message,
      relay: "none",
    };
  }
  qmgr.warning(
    `${id}: delivery to <${recipient}> failed: ${errorText(error)}`,
  );
  return {
    outcome: "deferred",
    dsn: "4.3.0",
    reason: `delivery temporarily suspended: ${errorText(error)}`,
    relay: "none",
  };
}

async function deliverRecipient(
  context: DeliveryAttemptContext,
  envelope: Envelope,
  recipient: QueuedRecipient,
  activeSince: number,
  record: ReturnType<typeof createStatusRecorder>,
  flushRequested: boolean,
): Promise<Outcome> {
  const release = await context.slots.acquire();
  if (!release) return { kind: "not attempted" };
  const { store } = context;
  const dsn = dsnParameters(envelope, recipient);
  const message: DeliveryMessage = {
    queueId: envelope.id,
    sender: envelope.sender,
    recipient: recipient.address,
    arrivalTime: envelope.arrivalTime,
    size: envelope.size,
    bodyType: envelope.bodyType,
    content: messageContent(store, "active", envelope.id, envelope),
    source: {
      path: store.path("active", envelope.id),
      location: {
        contentOffset: envelope.contentOffset,
        size: envelope.size,
        trailerSize: envelope.trailerSize,
      },
    },
    ...(dsn ? { dsn } : {}),
    ...(envelope.filter === undefined ? {} : { filter: envelope.filter }),
    client: {
      name: envelope.clientName,
      address: envelope.clientAddress,
      helo: envelope.helo,
      protocol: envelope.protocol,
    },
    flushRequested,
  };
  const handoff = context.now();
  let result: DeliveryResult;
  try {
    result = await context.deliver(message);
  } catch (error) {
    result = resultOfError(envelope.id, recipient.address, error);
  } finally {
    release();
  }
  const times = {
    arrival: envelope.arrivalTime,
    active: activeSince,
    handoff,
    done: context.now(),
  };
  const lines = deliveryLogLines(envelope.id, recipient.address, result, times);
  for (const line of lines) maillog(line.program).info(line.text);
  if (result.outcome !== "sent") {
    // A bounce is recorded only after its notice is durable (finish).
    return { kind: result.outcome, recipient, result };
  }
  try {
    await record(recipient.statusOffset, "delivered");
  } catch (error) {
    // Still pending on disk: it will be tried again (at least once).
    qmgr.warning(
      `${envelope.id}: cannot record the status of <${recipient.address}>: ${
        errorText(error)
      }`,
    );
    return {
      kind: "deferred",
      recipient,
      result: {
        dsn: "4.3.0",
        reason: `queue file update failed: ${errorText(error)}`,
        relay: result.relay,
      },
    };
  }
  // Kept for the success notice (dsn_notices.ts), when one may be due.
  return result.dsnAction && recipient.notify
    ? { kind: "final", sent: { recipient, result } }
    : { kind: "final" };
}

/**
 * Sends one notice for `returned` and resolves to true once it is
 * durable (or needs none: the null sender); false when it could not be
 * written, so they must stay pending.
 */
async function returnToSender(
  context: DeliveryAttemptContext,
  envelope: Envelope,
  returned: readonly Undelivered[],
): Promise<boolean> {
  try {
    await sendBounce(context.enqueue, {
      envelope,
      content: () => context.store.openContent("active", envelope.id, envelope),
      failures: failedTargetNotices(returned),
      config: context.config(),
      now: context.now(),
    });
    return true;
  } catch (error) {
    qmgr.warning(
      `${envelope.id}: cannot send the sender non-delivery notification: ${
        errorText(error)
      }; recipients left pending`,
    );
    return false;
  }
}

/** A bounced recipient kept pending because its notice failed. */
function stillPending(bounced: Bounced): Deferred {
  return {
    kind: "deferred",
    recipient: bounced.recipient,
    result: {
      ...bounced.result,
      reason: `${bounced.result.reason} (non-delivery notification failed)`,
    },
  };
}

/** Moves a message with `deferred` recipients to deferred/. */
async function defer(
  context: DeliveryAttemptContext,
  envelope: Envelope,
  deferred: readonly Deferred[],
): Promise<void> {
  const { store } = context;
  const now = context.now();
  const reasons: DeferReason[] = deferred.map((d) => ({
    recipient: d.recipient.address,
    reason: d.result.reason,
  }));
  try {
    await store.writeDeferReasons(envelope.id, reasons);
  } catch (error) {
    // Informational only: a full disk must not keep the message from
    // deferred/. What was half written goes, so no record misleads.
    qmgr.warning(
      `${envelope.id}: cannot write the defer logfile: ${errorText(error)}`,
    );
    await store.removeDeferReasons(envelope.id).catch(() => {});
  }
  await store.setRetryTime(
    "active",
    envelope.id,
    now + retryDelay(now - envelope.arrivalTime, context.config()),
  );
  await store.move(envelope.id, "active", "deferred");
}

/**
 * Ends an attempt: returns the bounced (and, past the queue lifetime,
 * the deferred) recipients to the sender, records them B, then removes
 * the message or moves it to deferred/.
 * @param recordByRemoval the removal of the file records every outcome
 * @param complete every pending recipient got its attempt
 * @returns how the recipients came out
 */
async function finish(
  context: DeliveryAttemptContext,
  envelope: Envelope,
  outcomes: readonly Outcome[],
  recordByRemoval: boolean,
  complete: boolean,
): Promise<AttemptTally> {
  const { store, config } = context;
  const { id } = envelope;
  const bounced = outcomes.filter((o): o is Bounced => o.kind === "bounced");
  let deferred = outcomes.filter((o): o is Deferred => o.kind === "deferred");
  const expired = complete && deferred.length > 0 &&
    isExpired(context.now() - envelope.arrivalTime, config(), envelope.sender);
  const returned: Undelivered[] = expired ? [...bounced, ...deferred] : bounced;
  let recorded: readonly Undelivered[] = [];
  if (returned.length > 0) {
    if (await returnToSender(context, envelope, returned)) {
      recorded = returned;
    } else deferred = [...deferred, ...bounced.map(stillPending)];
  }
  const remaining = deferred.filter((d) => !recorded.includes(d));
  const done = complete && remaining.length === 0;
  // The notice is durable: now, and only now, they are given up on.
  if (recorded.length > 0 && !(done && recordByRemoval)) {
    await store.markRecipients(
      "active",
      id,
      recorded.map((r) => r.recipient.statusOffset),
      "bounced",
    );
  }
  if (expired && recorded.length > 0) qmgr.info(formatExpiredLine(envelope));
  await notifySuccess(
    context,
    envelope,
    outcomes.flatMap((o) => o.kind === "final" && o.sent ? [o.sent] : []),
  );
  const tally: AttemptTally = {
    sent: outcomes.filter((o) => o.kind === "final").length,
    deferred: remaining.length +
      outcomes.filter((o) => o.kind === "not attempted").length,
    bounced: recorded.length,
    ...(remaining.length > 0 ? { reason: remaining[0].result.reason } : {}),
  };
  if (!complete) return tally;
  if (!done) await warnDelay(context, envelope, remaining);
  if (done) {
    await store.remove("active", id, { durable: recordByRemoval });
    qmgr.info(`${id}: removed`);
  } else await defer(context, envelope, remaining);
  return tally;
}

/** Moves a file that cannot be trusted out of the way. */
async function quarantine(
  context: DeliveryAttemptContext,
  id: string,
  why: string,
): Promise<void> {
  await context.store.move(id, "active", "corrupt");
  qmgr.warning(`${id}: corrupt queue file: ${why}; moved to corrupt/`);
}

/** Retries later a file that could not be read for a passing reason. */
async function deferUnreadable(
  context: DeliveryAttemptContext,
  id: string,
  error: unknown,
): Promise<void> {
  qmgr.warning(`${id}: cannot read queue file: ${errorText(error)}`);
  const delay = context.config().minimal_backoff_time * 1000;
  await context.store.setRetryTime("active", id, context.now() + delay);
  await context.store.move(id, "active", "deferred");
}

async function readOrSetAside(
  context: DeliveryAttemptContext,
  id: string,
): Promise<Envelope | undefined> {
  try {
    return await context.store.readEnvelope("active", id);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (error instanceof CorruptQueueFileError) {
      await quarantine(context, id, error.message);
    } else await deferUnreadable(context, id, error);
    return undefined;
  }
}

/**
 * Runs one delivery attempt for message `id`, already in active/. Never
 * rejects: a failure to update the queue is logged, and the file stays
 * where it is; the queue manager's next queue run or flush rescans
 * active/ and tries it again. A defer logfile that cannot be written is
 * no such failure: it is informational, so the message is deferred
 * without it.
 * @param activeSince when the message entered the active queue (ms)
 * @param flushRequested the attempt is made for a flush (defer_transports
 *   do not hold it back)
 * @returns how its recipients came out; undefined when the file could not
 *   be read or updated
 */
export async function attemptDelivery(
  context: DeliveryAttemptContext,
  id: string,
  activeSince: number,
  flushRequested = false,
): Promise<AttemptTally | undefined> {
  try {
    const envelope = await readOrSetAside(context, id);
    if (!envelope) return undefined;
    qmgr.info(formatActiveLine(envelope));
    const pending = envelope.recipients.filter((r) => r.status === "pending");
    // With one recipient left, its status byte need not be written: the
    // durable removal of the file below records the outcome, and one
    // fsync of active/ serves every message finishing meanwhile. With
    // more, each result is recorded as it comes, so a crash in the middle
    // repeats no finished delivery.
    const recordByRemoval = pending.length === 1;
    const record = recordByRemoval
      ? () => Promise.resolve()
      : createStatusRecorder((offsets, status) =>
        context.store.markRecipients("active", id, offsets, status)
      );
    const outcomes = await Promise.all(
      pending.map((recipient) =>
        deliverRecipient(
          context,
          envelope,
          recipient,
          activeSince,
          record,
          flushRequested,
        )
      ),
    );
    // Stopped before everyone's turn: what finished is still recorded
    // (and notified), the rest waits in active/ for the next start.
    const complete = !outcomes.some((o) => o.kind === "not attempted");
    return await finish(
      context,
      envelope,
      outcomes,
      recordByRemoval,
      complete,
    );
  } catch (error) {
    qmgr.warning(
      `${id}: queue file update failed: ${
        errorText(error)
      }; left in active/ until the next queue run`,
    );
    return undefined;
  }
}
