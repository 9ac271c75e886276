/**
 * A queue scan: one pass at a time over a queue directory, on request.
 *
 * DESCRIPTION
 *   The queue manager learns about files on disk by scanning (Postfix
 *   qmgr_scan.c): at start (recovery), when the active set has room again
 *   after commits had to wait in incoming/, every queue_run_delay for
 *   deferred/, and on `mailsrv flush`. A scan streams directory entries
 *   and hands out one queue ID at a time, so a queue of a million files
 *   costs a directory handle, not a million names in memory.
 *
 *   A request made while a pass is under way is remembered and starts a
 *   new pass when the current one ends, so nothing committed meanwhile is
 *   missed. A `flush` request makes its pass ignore retry times.
 *
 *   What a candidate is worth (still there, due, not already active) is
 *   the manager's decision; a scan only lists.
 */

/** One queue ID from a scan pass. */
export interface ScanCandidate {
  readonly id: string;
  /** The pass was requested by a flush: ignore the retry time. */
  readonly flush: boolean;
}

/** A restartable scan of one queue directory. */
export interface QueueScan {
  /** Asks for a pass (after the current one, if one is under way). */
  request(options?: { readonly flush?: boolean }): void;
  /** Whether a pass is under way or requested. */
  pending(): boolean;
  /** The next queue ID, or undefined when no pass has anything left. */
  next(): Promise<ScanCandidate | undefined>;
  /** Abandons the current pass and any request. */
  close(): Promise<void>;
}

/**
 * Creates a scan whose passes come from `list()` (QueueStore.list).
 * `next` must not be called again before its promise settles.
 */
export function createQueueScan(
  list: () => AsyncIterableIterator<string>,
): QueueScan {
  let requested = false;
  let flushRequested = false;
  let pass: AsyncIterableIterator<string> | undefined;
  let passFlush = false;

  return {
    request(options = {}) {
      requested = true;
      flushRequested ||= options.flush ?? false;
    },
    pending: () => requested || pass !== undefined,
    async next() {
      for (;;) {
        if (!pass) {
          if (!requested) return undefined;
          pass = list();
          passFlush = flushRequested;
          requested = false;
          flushRequested = false;
        }
        let step: IteratorResult<string>;
        try {
          step = await pass.next();
        } catch (error) {
          pass = undefined;
          throw error;
        }
        if (!step.done) return { id: step.value, flush: passFlush };
        pass = undefined;
      }
    },
    async close() {
      requested = false;
      flushRequested = false;
      const current = pass;
      pass = undefined;
      await current?.return?.();
    },
  };
}
