/**
 * Deliveries at once per destination, and destinations left alone while
 * they cannot be reached (Postfix qmgr's concurrency window and "dead"
 * destinations).
 *
 * DESCRIPTION
 *   A destination is a key: a transport and nexthop (`smtp:[mx]:25`,
 *   `smtp:example.com`) or one local recipient. `acquire(key, limit)`
 *   gives a delivery slot when fewer than the destination's window are
 *   in progress, else waits. The window starts at
 *   initial_destination_concurrency and grows by one with each delivery
 *   that reached the destination, up to `limit` (slow start).
 *
 *   A delivery that found the destination unreachable (no MX host took a
 *   connection, DNS failed) closes the window back to its start and marks
 *   the destination dead for minimal_backoff_time: meanwhile every
 *   delivery to it, waiting or new, is deferred at once with "delivery
 *   temporarily suspended: <the reason>" instead of trying again for every
 *   message, as Postfix does. A flush (`mailsrv flush`) tries dead
 *   destinations anyway.
 *
 *   Idle destinations are forgotten, so the state stays as small as the
 *   set of destinations in use. The clock is injected.
 *
 *   Used by the router (SMTP transactions, local recipients), in the queue
 *   manager's thread.
 */

/** A destination found unreachable: why, and until when it is left alone. */
export interface DeadDestination {
  readonly kind: "dead";
  readonly dsn: string;
  /** `delivery temporarily suspended: …`. */
  readonly reason: string;
}

/** How a delivery to the destination went, for the window. */
export type DestinationOutcome =
  | { readonly kind: "reached" }
  | {
    readonly kind: "unreachable";
    readonly dsn: string;
    readonly reason: string;
  }
  | { readonly kind: "neither" };

/** A slot to deliver in; release it with how the delivery went. */
export interface DeliverySlot {
  readonly kind: "slot";
  release(outcome: DestinationOutcome): void;
}

/** The scheduler the router keeps. */
export interface DestinationScheduler {
  acquire(key: string, limit: number): Promise<DeliverySlot | DeadDestination>;
}

/** What the scheduler reads at every call. */
export interface SchedulerOptions {
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** initial_destination_concurrency. */
  readonly initial: () => number;
  /** How long a dead destination is left alone, ms (minimal_backoff_time). */
  readonly deadFor: () => number;
  /** True while a flush runs: dead destinations are tried anyway. */
  readonly flushing?: () => boolean;
}

interface Destination {
  window: number;
  active: number;
  readonly waiting: Array<(granted: DeliverySlot | DeadDestination) => void>;
  deadUntil: number;
  dead?: DeadDestination;
}

/** Creates an empty scheduler. */
export function createDestinationScheduler(
  options: SchedulerOptions,
): DestinationScheduler {
  const now = options.now ?? Date.now;
  const destinations = new Map<string, Destination>();

  function isDead(d: Destination): DeadDestination | undefined {
    if (!d.dead || options.flushing?.()) return undefined;
    if (now() >= d.deadUntil) {
      d.dead = undefined;
      return undefined;
    }
    return d.dead;
  }

  function forgetIfIdle(key: string, d: Destination): void {
    if (d.active === 0 && d.waiting.length === 0 && !d.dead) {
      destinations.delete(key);
    }
  }

  function slot(key: string, d: Destination, limit: number): DeliverySlot {
    d.active++;
    let released = false;
    return {
      kind: "slot",
      release(outcome) {
        if (released) return;
        released = true;
        d.active--;
        if (outcome.kind === "reached") {
          d.window = Math.min(limit, d.window + 1);
          d.dead = undefined;
        } else if (outcome.kind === "unreachable") {
          d.window = Math.max(1, options.initial());
          d.deadUntil = now() + options.deadFor();
          d.dead = {
            kind: "dead",
            dsn: outcome.dsn,
            reason: `delivery temporarily suspended: ${outcome.reason}`,
          };
        }
        wake(key, d, limit);
      },
    };
  }

  function wake(key: string, d: Destination, limit: number): void {
    const dead = isDead(d);
    while (d.waiting.length > 0 && (dead || d.active < d.window)) {
      const next = d.waiting.shift()!;
      next(dead ?? slot(key, d, limit));
    }
    forgetIfIdle(key, d);
  }

  return {
    acquire(key, limit) {
      let d = destinations.get(key);
      if (!d) {
        const start = Math.max(1, Math.min(options.initial(), limit));
        d = { window: start, active: 0, waiting: [], deadUntil: 0 };
        destinations.set(key, d);
      }
      const dead = isDead(d);
      if (dead) return Promise.resolve(dead);
      if (d.active < Math.min(d.window, limit)) {
        return Promise.resolve(slot(key, d, limit));
      }
      const waiting = d;
      return new Promise((granted) => waiting.waiting.push(granted));
    },
  };
}
