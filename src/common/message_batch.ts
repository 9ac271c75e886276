/**
 * Batches of small notices between threads: one postMessage for many.
 *
 * DESCRIPTION
 *   Every message between Workers costs both threads a structured clone,
 *   a wake-up and an event dispatch, whatever its size; per accepted
 *   message that was four crossings of the master (commit notice in and
 *   out, spent queue file in and out), a tenth of a millisecond of CPU
 *   each. A batch pays that once.
 *
 *   `batchPerTurn` hands over what was added during the current turn of
 *   the event loop, in a microtask: nothing waits longer than the code
 *   already running, so a commit notice is as prompt as before, and the
 *   commits of one group-commit round (resolved together) travel as one
 *   message. `batchWithin` waits up to `ms` after the first item (or until
 *   `max` are collected), for notices that may be late, such as spent
 *   queue files kept for reuse; `flush` hands over the rest at once.
 *
 *   Used by the threads' messengers (master/). Keeps no order across
 *   batches other than the order of `add`. Does NOT post anything itself.
 */

/** Items collected for one hand-over. */
export interface MessageBatch<T> {
  /** Adds `item` to the batch under way. */
  add(item: T): void;
  /** Hands over what was collected, now (nothing when empty). */
  flush(): void;
}

/**
 * Collects items and hands them to `send` when `schedule`'s call comes
 * (it returns how to call it off), or at once when `max` are collected.
 */
function collect<T>(
  send: (items: T[]) => void,
  schedule: (flush: () => void) => () => void,
  max = Infinity,
): MessageBatch<T> {
  let items: T[] = [];
  let cancel: (() => void) | undefined;
  const flush = () => {
    cancel?.();
    cancel = undefined;
    if (items.length === 0) return;
    const batch = items;
    items = [];
    send(batch);
  };
  return {
    add(item) {
      items.push(item);
      if (items.length >= max) return flush();
      cancel ??= schedule(flush);
    },
    flush,
  };
}

/**
 * Collects items and hands them to `send` together once the current turn
 * of the event loop is over (a microtask).
 */
export function batchPerTurn<T>(send: (items: T[]) => void): MessageBatch<T> {
  return collect(send, (flush) => {
    let due = true;
    queueMicrotask(() => due && flush());
    return () => void (due = false);
  });
}

/**
 * Collects items and hands them to `send` `ms` after the first one, or
 * at once when `max` are collected. The timer does not keep the thread
 * alive.
 */
export function batchWithin<T>(
  send: (items: T[]) => void,
  ms: number,
  max: number,
): MessageBatch<T> {
  return collect(send, (flush) => {
    const timer = setTimeout(flush, ms);
    Deno.unrefTimer(timer);
    return () => clearTimeout(timer);
  }, max);
}
