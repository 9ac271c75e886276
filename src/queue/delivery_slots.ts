/**
 * Delivery slots: the cap on deliveries in flight, all agents together.
 *
 * DESCRIPTION
 *   The queue manager takes a slot before it hands a recipient to a
 *   delivery agent and gives it back when the agent answers, so at most
 *   default_process_limit deliveries run at once. The
 *   limit is read on every decision, so a reload applies at once (a lower
 *   limit drains as slots come back). Waiters are served first come,
 *   first served. On stop, waiters are turned away (`acquire` resolves to
 *   undefined) so no new delivery starts.
 *
 *   One total; the windows per destination are the router's
 *   (`delivery/destination_scheduler.ts`).
 */

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** A counting limiter for deliveries in flight. */
export interface DeliverySlots {
  /** Waits for a slot; undefined once `close` has been called. */
  acquire(): Promise<ReleaseSlot | undefined>;
  /** Turns away current and future waiters; held slots stay valid. */
  close(): void;
  /** Slots currently held. */
  busy(): number;
}

/** Creates delivery slots bounded by `limit()` (read on every decision). */
export function createDeliverySlots(limit: () => number): DeliverySlots {
  let busy = 0;
  let closed = false;
  const waiting: Array<(release: ReleaseSlot | undefined) => void> = [];

  const grant = (): ReleaseSlot => {
    busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      busy--;
      wake();
    };
  };

  const wake = () => {
    while (!closed && waiting.length > 0 && busy < Math.max(1, limit())) {
      waiting.shift()!(grant());
    }
  };

  return {
    acquire() {
      if (closed) return Promise.resolve(undefined);
      if (waiting.length === 0 && busy < Math.max(1, limit())) {
        return Promise.resolve(grant());
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      closed = true;
      for (const resolve of waiting.splice(0)) resolve(undefined);
    },
    busy: () => busy,
  };
}
