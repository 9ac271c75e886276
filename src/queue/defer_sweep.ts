/**
 * When the queue manager reads all of defer/, and when only some names.
 *
 * DESCRIPTION
 *   Stale defer logfiles (stale_defer_logfiles.ts) come from a crash, a
 *   failure between removing a message and its logfile, a file put into
 *   defer/ by hand, or a message removed by hand. Reading all of defer/
 *   at every queue run found them, at the price of a directory read of
 *   every deferred message's logfile each queue_run_delay (a third of
 *   100,000 deferred messages in the benchmark): a queue run should touch
 *   only what is due. So a sweep reads the whole directory only
 *
 *     at start and at every flush (asked for: `whole`),
 *     when defer/'s mtime moved since the last whole read (a name came
 *     or went: the manager's own deferrals and removals, or a file put
 *     there or removed by hand), or is within SETTLE_MS of that read (a
 *     file system with coarse timestamps could hide a change made in
 *     the same tick),
 *
 *   and otherwise looks only at the messages the manager saw leave the
 *   queue behind its back (`changed`: a deferred entry that fell due and
 *   whose file was gone). One stat(2) of defer/ a queue run, nothing per
 *   message that is not due. A message removed by hand from hold/ or
 *   incoming/ keeps its logfile until defer/ next changes, the next flush
 *   or the next start (Postfix's qmgr never removes them).
 *
 *   One sweep at a time: a sweep asked for while one runs follows it
 *   (whole if any request was). Used by the queue manager (manager.ts).
 *   Needs read and write permission on the queue directory.
 */
import { join } from "node:path";
import {
  removeIfStale,
  removeStaleDeferLogfiles,
} from "./stale_defer_logfiles.ts";

/** A change of defer/ younger than this may not show in its mtime. */
const SETTLE_MS = 2000;
/** Names remembered between sweeps, at most; past it a sweep reads all. */
const MAX_CHANGED = 10_000;

/** The queue manager's sweeps of defer/. */
export interface DeferSweep {
  /** Message `id` may have left every queue: looked at by the next sweep. */
  changed(id: string): void;
  /** Sweeps now, or after the sweep under way; resolves when done. */
  sweep(whole: boolean): Promise<void>;
  /** Resolves once no sweep runs or waits. */
  idle(): Promise<void>;
  /** Whether a sweep runs or waits. */
  busy(): boolean;
}

/** What a sweep works with. */
export interface DeferSweepOptions {
  readonly queueDirectory: string;
  /** Says without a system call that a message exists (the schedule). */
  readonly known: (id: string) => boolean;
  /** Told of each logfile removed. */
  readonly removed: (id: string) => void;
  /** Told when a sweep fails (it is tried again at the next). */
  readonly failed: (error: unknown) => void;
  /** Wall clock, milliseconds (default Date.now; compared with mtimes). */
  readonly clock?: () => number;
}

/** Creates the sweeps of one queue's defer/. */
export function createDeferSweep(options: DeferSweepOptions): DeferSweep {
  const { queueDirectory, known, removed, failed } = options;
  const clock = options.clock ?? Date.now;
  const defer = join(queueDirectory, "defer");
  let changed = new Set<string>();
  /** defer/'s mtime after the last whole read, and when that was. */
  let read: { mtime: number; at: number } | undefined;
  let running: Promise<void> | undefined;
  let again: { whole: boolean } | undefined;

  const mtime = () => Deno.statSync(defer).mtime?.getTime() ?? NaN;

  const needsWhole = (): boolean => {
    if (!read || changed.size >= MAX_CHANGED) return true;
    const now = mtime();
    return now !== read.mtime || read.at - read.mtime < SETTLE_MS;
  };

  const once = async (whole: boolean): Promise<void> => {
    const names = changed;
    changed = new Set();
    try {
      if (whole || needsWhole()) {
        const at = clock();
        const stale = await removeStaleDeferLogfiles(queueDirectory, known);
        for (const id of stale) removed(id);
        read = { mtime: mtime(), at };
      } else {
        for (const id of names) {
          if (removeIfStale(queueDirectory, id, known)) removed(id);
        }
      }
    } catch (error) {
      // Looked at again by the next sweep, which reads all of defer/.
      read = undefined;
      for (const id of names) changed.add(id);
      failed(error);
    }
  };

  const run = (whole: boolean): Promise<void> => {
    running = once(whole).then(() => {
      const next = again;
      again = undefined;
      running = next ? run(next.whole) : undefined;
      return running;
    });
    return running;
  };

  return {
    changed(id) {
      if (changed.size < MAX_CHANGED) changed.add(id);
    },
    sweep(whole) {
      if (!running) return run(whole);
      again = { whole: whole || (again?.whole ?? false) };
      return running;
    },
    async idle() {
      while (running) await running;
    },
    busy: () => running !== undefined,
  };
}
