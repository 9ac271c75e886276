/**
 * Group commit of recipient status bytes for one message.
 *
 * DESCRIPTION
 *   Each finished delivery must be on disk before the queue manager counts
 *   it, or a crash would deliver that recipient again. Recording each one
 *   alone costs an fdatasync per recipient; instead, results that finish
 *   while a write is under way wait for the next round and share it, as
 *   sync_directory.ts does for directory entries. A round writes every
 *   status byte it holds with one `markRecipients` call per status (so
 *   usually one fdatasync).
 *
 *   Used by delivery_attempt.ts; no I/O of its own.
 */
import type { RecipientStatus } from "./types.ts";

/** Writes `status` at `offsets` durably (QueueStore.markRecipients). */
export type MarkRecipients = (
  offsets: readonly number[],
  status: RecipientStatus,
) => Promise<void>;

interface Waiter {
  readonly offset: number;
  readonly status: RecipientStatus;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Returns `record(offset, status)`, which resolves once that status byte
 * is durable (or rejects with the error of its round).
 */
export function createStatusRecorder(
  mark: MarkRecipients,
): (offset: number, status: RecipientStatus) => Promise<void> {
  let waiting: Waiter[] = [];
  let running = false;

  const writeRound = async (round: readonly Waiter[]) => {
    const byStatus = new Map<RecipientStatus, number[]>();
    for (const { offset, status } of round) {
      const offsets = byStatus.get(status) ?? [];
      offsets.push(offset);
      byStatus.set(status, offsets);
    }
    for (const [status, offsets] of byStatus) await mark(offsets, status);
  };

  const run = async () => {
    running = true;
    while (waiting.length > 0) {
      const round = waiting;
      waiting = [];
      try {
        await writeRound(round);
        for (const waiter of round) waiter.resolve();
      } catch (error) {
        for (const waiter of round) waiter.reject(error);
      }
    }
    running = false;
  };

  return (offset, status) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ offset, status, resolve, reject });
      if (!running) void run();
    });
}
