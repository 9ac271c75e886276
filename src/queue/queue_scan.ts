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
 *   missed. Requests made before a pass starts are merged into it: the
 *   pass then serves a normal queue run (files due by their retry time),
 *   a flush of everything (retry times ignored, Postfix's QMGR_SCAN_ALL),
 *   a flush of some sites (`mailsrv flush --site`, ETRN), or several of
 *   these. Each candidate carries what its pass was asked for; a flush
 *   run (flush_run.ts) is told when the pass serving it has ended.
 *
 *   What a candidate is worth (still there, due, not already active, for
 *   one of the flushed sites) is the manager's decision; a scan only lists.
 */

import type { FlushRun } from "./flush_run.ts";

/** What a pass is asked for. Without `flush` and `site`: a normal run. */
export interface ScanRequest {
  /** Take every file, retry times ignored. */
  readonly flush?: boolean;
  /** Take the files with a pending recipient in this domain. */
  readonly site?: string;
  /** The flush run this request belongs to; told when its pass ends. */
  readonly run?: FlushRun;
}

/** One queue ID from a scan pass, with what the pass was asked for. */
export interface ScanCandidate {
  readonly id: string;
  /** The pass serves a normal run: files due by their retry time. */
  readonly due: boolean;
  /** The flush requests (`flush` or `site`) the pass serves. */
  readonly flushes: readonly ScanRequest[];
}

/** A restartable scan of one queue directory. */
export interface QueueScan {
  /** Asks for a pass (after the current one, if one is under way). */
  request(options?: ScanRequest): void;
  /** Whether a pass is under way or requested. */
  pending(): boolean;
  /** The next queue ID, or undefined when no pass has anything left. */
  next(): Promise<ScanCandidate | undefined>;
  /** Abandons the current pass and any request (runs are not told). */
  close(): Promise<void>;
}

interface PassPlan {
  due: boolean;
  readonly flushes: ScanRequest[];
  readonly runs: FlushRun[];
}

function emptyPlan(): PassPlan {
  return { due: false, flushes: [], runs: [] };
}

/** What one pass serves, as `list` is told when the pass starts. */
export interface PassRequest {
  /** A normal run: files due by their retry time. */
  readonly due: boolean;
  /** The flush requests (`flush` or `site`) the pass serves. */
  readonly flushes: readonly ScanRequest[];
}

/**
 * Creates a scan whose passes come from `list(pass)` (QueueStore.list, or
 * for a normal deferred run the due messages of deferred_schedule.ts).
 * `next` must not be called again before its promise settles.
 */
export function createQueueScan(
  list: (pass: PassRequest) => AsyncIterableIterator<string>,
): QueueScan {
  let requested: PassPlan | undefined;
  let pass: AsyncIterableIterator<string> | undefined;
  let plan: PassPlan = emptyPlan();

  const ended = (done: PassPlan) => {
    for (const run of done.runs) run.passEnded();
  };

  return {
    request(options = {}) {
      const next = requested ??= emptyPlan();
      if (options.flush || options.site !== undefined) {
        next.flushes.push(options);
      } else next.due = true;
      if (options.run) next.runs.push(options.run);
    },
    pending: () => requested !== undefined || pass !== undefined,
    async next() {
      for (;;) {
        if (!pass) {
          if (!requested) return undefined;
          plan = requested;
          requested = undefined;
          pass = list(plan);
        }
        let step: IteratorResult<string>;
        try {
          step = await pass.next();
        } catch (error) {
          pass = undefined;
          ended(plan);
          throw error;
        }
        if (!step.done) {
          return { id: step.value, due: plan.due, flushes: plan.flushes };
        }
        pass = undefined;
        ended(plan);
      }
    },
    async close() {
      requested = undefined;
      plan = emptyPlan();
      const current = pass;
      pass = undefined;
      await current?.return?.();
    },
  };
}
