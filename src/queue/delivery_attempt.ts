/**
 * One delivery attempt of one message in the active queue.
 *
 * DESCRIPTION
 *   For a message the queue manager has moved to active/: read its
 *   envelope, hand every recipient still pending (never one recorded as
 *   delivered or bounced) to the delivery agents, at most as many at once
 *   as the delivery slots allow, and record each result in the queue file
 *   before counting it (sent → D, bounced → B; deferred stays P) — except
 *   when only one recipient was pending: then the durable removal of the
 *   file is the record, which costs a shared directory fsync instead of
 *   a write and an fdatasync per message. Then:
 *
 *     nothing pending     remove the file (and defer/<id>): `ID: removed`
 *     some deferred, the message older than maximal_queue_lifetime
 *                         mark them bounced: `status=expired, returned
 *                         to sender`, then remove the file
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
 *   Bounce notices (DSN to the sender) are not sent here yet: a bounced
 *   recipient is logged and recorded only.
 */
import type { Config } from "../config/types.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
} from "../delivery/types.ts";
import { maillog } from "../log/maillog.ts";
import { isExpired, retryDelay } from "./backoff.ts";
import type { DeferReason } from "./defer_reasons.ts";
import {
  deliveryProgram,
  formatActiveLine,
  formatDeliveryLine,
  formatExpiredLine,
} from "./delivery_log.ts";
import type { DeliverySlots } from "./delivery_slots.ts";
import { CorruptQueueFileError } from "./queue_file.ts";
import { createStatusRecorder } from "./status_recorder.ts";
import type { QueueStore } from "./store.ts";
import type { Envelope, QueuedRecipient } from "./types.ts";

/** What an attempt needs from the queue manager. */
export interface DeliveryAttemptContext {
  readonly store: QueueStore;
  readonly config: () => Config;
  readonly deliver: (message: DeliveryMessage) => Promise<DeliveryResult>;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly slots: DeliverySlots;
}

/** How one pending recipient came out of this attempt. */
type Outcome =
  | { readonly kind: "final" }
  | {
    readonly kind: "deferred";
    readonly recipient: QueuedRecipient;
    readonly reason: string;
  }
  | { readonly kind: "not attempted" };

const qmgr = maillog("qmgr");

function errorText(error: unknown): string {
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
): Promise<Outcome> {
  const release = await context.slots.acquire();
  if (!release) return { kind: "not attempted" };
  const { store } = context;
  const message: DeliveryMessage = {
    queueId: envelope.id,
    sender: envelope.sender,
    recipient: recipient.address,
    arrivalTime: envelope.arrivalTime,
    size: envelope.size,
    content: () =>
      Promise.resolve(store.openContent("active", envelope.id, envelope)),
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
  maillog(deliveryProgram(result.relay)).info(
    formatDeliveryLine(envelope.id, recipient.address, result, times),
  );
  if (result.outcome === "deferred") {
    return { kind: "deferred", recipient, reason: result.reason };
  }
  try {
    await record(
      recipient.statusOffset,
      result.outcome === "sent" ? "delivered" : "bounced",
    );
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
      reason: `queue file update failed: ${errorText(error)}`,
    };
  }
  return { kind: "final" };
}

/** Ends an attempt that left `deferred` recipients pending. */
async function finishDeferred(
  context: DeliveryAttemptContext,
  envelope: Envelope,
  deferred: readonly Extract<Outcome, { kind: "deferred" }>[],
): Promise<void> {
  const { store } = context;
  const config = context.config();
  const now = context.now();
  const age = now - envelope.arrivalTime;
  if (isExpired(age, config)) {
    await store.markRecipients(
      "active",
      envelope.id,
      deferred.map((d) => d.recipient.statusOffset),
      "bounced",
    );
    qmgr.info(formatExpiredLine(envelope));
    await store.remove("active", envelope.id);
    qmgr.info(`${envelope.id}: removed`);
    return;
  }
  const reasons: DeferReason[] = deferred.map((d) => ({
    recipient: d.recipient.address,
    reason: d.reason,
  }));
  await store.writeDeferReasons(envelope.id, reasons);
  await store.setRetryTime(
    "active",
    envelope.id,
    now + retryDelay(age, config),
  );
  await store.move(envelope.id, "active", "deferred");
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
 * where it is for the next start.
 * @param activeSince when the message entered the active queue (ms)
 */
export async function attemptDelivery(
  context: DeliveryAttemptContext,
  id: string,
  activeSince: number,
): Promise<void> {
  try {
    const envelope = await readOrSetAside(context, id);
    if (!envelope) return;
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
        deliverRecipient(context, envelope, recipient, activeSince, record)
      ),
    );
    if (outcomes.some((o) => o.kind === "not attempted")) return;
    const deferred = outcomes.filter((o) => o.kind === "deferred");
    if (deferred.length > 0) {
      await finishDeferred(context, envelope, deferred);
    } else {
      await context.store.remove("active", id, { durable: recordByRemoval });
      qmgr.info(`${id}: removed`);
    }
  } catch (error) {
    qmgr.warning(
      `${id}: queue file update failed: ${
        errorText(error)
      }; left in active/ until the next start`,
    );
  }
}
