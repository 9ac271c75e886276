/**
 * Work started without waiting for it, that a process must still let
 * finish (for a bounded time) before it exits.
 *
 * DESCRIPTION
 *   A POP3 login records pop-before-smtp without delaying the session; a
 *   long-running daemon never needs to wait for that write, but
 *   `mailsrv pop3 --inetd` exits when its one session ends, and would cut
 *   the write off on its way to Redis. `track` notes such a promise;
 *   `settle(limitMs)` waits for every promise tracked so far (and any
 *   tracked meanwhile), at most `limitMs`.
 *
 *   Used by pop3d's deps. No I/O of its own; does NOT cancel what is left
 *   when the limit passes, nor report the work's failures (the tracked
 *   promise's owner handles those).
 */

/** Promises to let finish before exit. */
export interface PendingWork {
  /** Notes `work`; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T>;
  /**
   * Waits until no tracked work is pending, or `limitMs` passed.
   * @returns whether everything finished in time
   */
  settle(limitMs: number): Promise<boolean>;
}

/** An empty set of pending work. */
export function createPendingWork(): PendingWork {
  const pending = new Set<Promise<unknown>>();
  const settleAll = async () => {
    // Bounded by the limit in settle(); loops only while work is added.
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    track(work) {
      const entry: Promise<unknown> = work.then(
        () => pending.delete(entry),
        () => pending.delete(entry),
      );
      pending.add(entry);
      return work;
    },
    async settle(limitMs) {
      if (pending.size === 0) return true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), limitMs);
      });
      try {
        return await Promise.race([settleAll().then(() => true), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
