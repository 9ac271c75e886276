/**
 * The queue manager (Postfix qmgr): which message is delivered when.
 *
 * DESCRIPTION
 *   The manager keeps the ACTIVE SET, the messages it is delivering, in
 *   memory; everything else stays on disk. The set holds at most
 *   qmgr_message_active_limit messages, and at most default_process_limit
 *   deliveries run at once over all of them (as Postfix caps each delivery
 *   agent service), so a large queue costs disk, not memory; per
 *   destination, the router's scheduler limits them further.
 *
 *   Where messages come from:
 *
 *     start       recovery: active/ first (a crash may have interrupted
 *                 those attempts; only pending recipients are retried),
 *                 then incoming/, then deferred/ files that are due
 *     commit      a message committed to incoming/ is taken at once from
 *                 the store's notification (no polling) if the set has
 *                 room; otherwise it waits on disk and an incoming/ scan
 *                 picks it up when room frees
 *     timer       every queue_run_delay, a scan of deferred/ takes the
 *                 files whose mtime (the retry time) has come
 *     flush       `mailsrv flush`: incoming/ and all of deferred/ now,
 *                 retry times ignored (Postfix `postqueue -f`)
 *
 *   When incoming/ and deferred/ both have work, they take turns, so
 *   neither starves the other (Postfix qmgr.c). A message enters the set
 *   by a rename to active/ (no fsync: recovery scans both directories)
 *   and leaves it when delivery_attempt.ts has removed it or moved it on.
 *
 *   `stop(ms)` takes no new work, lets deliveries in flight finish for up
 *   to `ms` milliseconds, and returns; what is unfinished stays in active/
 *   for the next start.
 *
 *   Configuration is read through `config()` at each decision, so a reload
 *   applies without a restart. Needs the queue store's permissions; the
 *   agents behind `deliver` bring their own. The manager does not route or deliver; the
 *   `deliver` function (the delivery router) does.
 */
import type { Config } from "../config/types.ts";
import type { DeliveryMessage, DeliveryResult } from "../delivery/types.ts";
import { maillog } from "../log/maillog.ts";
import {
  attemptDelivery,
  type DeliveryAttemptContext,
} from "./delivery_attempt.ts";
import { createDeliverySlots } from "./delivery_slots.ts";
import { createQueueScan, type QueueScan } from "./queue_scan.ts";
import type { QueueStore } from "./store.ts";
import type { Enqueue } from "./types.ts";

/** Runs `callback` once after `delayMs`; returns a function that cancels. */
export type Schedule = (callback: () => void, delayMs: number) => () => void;

/** What the queue manager works with. */
export interface QueueManagerOptions {
  readonly store: QueueStore;
  /** The queue's gate, through which bounces enter (enqueue.ts). */
  readonly enqueue: Enqueue;
  readonly config: () => Config;
  /** Delivers one message to one recipient (the delivery router). */
  readonly deliver: (message: DeliveryMessage) => Promise<DeliveryResult>;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Timer for the deferred queue runs (default setTimeout). */
  readonly schedule?: Schedule;
}

/** A running queue manager. */
export interface QueueManager {
  /** Recovers what a previous run left and starts taking new mail. */
  start(): Promise<void>;
  /** Delivers all queued mail now, ignoring retry times. */
  flush(): void;
  /** Takes no new work and waits up to `deadlineMs` for deliveries. */
  stop(deadlineMs: number): Promise<void>;
  /** Messages in the active set. */
  activeCount(): number;
  /** Resolves when no message is active and no scan has work left. */
  whenIdle(): Promise<void>;
}

type Source = "active" | "incoming" | "deferred";

interface Candidate {
  readonly queue: Source;
  readonly id: string;
}

const qmgr = maillog("qmgr");

const timerSchedule: Schedule = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  return () => clearTimeout(timer);
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates a queue manager; nothing happens until `start()`. */
export function createQueueManager(options: QueueManagerOptions): QueueManager {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  const schedule = options.schedule ?? timerSchedule;
  const slots = createDeliverySlots(() => config().default_process_limit);
  const context: DeliveryAttemptContext = {
    store,
    enqueue: options.enqueue,
    config,
    deliver: options.deliver,
    now,
    slots,
  };
  const active = new Set<string>();
  const attempts = new Set<Promise<void>>();
  const recovery = createQueueScan(() => store.list("active"));
  const incoming = createQueueScan(() => store.list("incoming"));
  const deferred = createQueueScan(() => store.list("deferred"));
  const takingTurns: ReadonlyArray<readonly [Source, QueueScan]> = [
    ["incoming", incoming],
    ["deferred", deferred],
  ];
  let turn = 0;
  /** A candidate found when the set had just filled up; taken first. */
  let carried: Candidate | undefined;
  let state: "new" | "running" | "stopping" | "stopped" = "new";
  let filling: Promise<void> | undefined;
  let refill = false;
  let cancelTimer: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  let stopping: Promise<void> | undefined;

  const hasRoom = () =>
    active.size < Math.max(1, config().qmgr_message_active_limit);

  const isIdle = () =>
    active.size === 0 && !filling && !carried && !recovery.pending() &&
    !incoming.pending() && !deferred.pending();

  const settle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  /** Whether a candidate is worth taking: not active, and due. */
  async function acceptable(
    queue: Source,
    id: string,
    flush: boolean,
  ): Promise<boolean> {
    if (active.has(id)) return false;
    if (queue !== "deferred" || flush) return true;
    try {
      const retryTime = await store.retryTime("deferred", id);
      return retryTime !== undefined && retryTime <= now();
    } catch (error) {
      qmgr.warning(`${id}: cannot read the retry time: ${errorText(error)}`);
      return false;
    }
  }

  async function nextFrom(
    queue: Source,
    scan: QueueScan,
  ): Promise<Candidate | undefined> {
    while (state === "running") {
      let found;
      try {
        found = await scan.next();
      } catch (error) {
        qmgr.warning(`cannot scan the ${queue} queue: ${errorText(error)}`);
        return undefined;
      }
      if (!found) return undefined;
      if (await acceptable(queue, found.id, found.flush)) {
        return { queue, id: found.id };
      }
    }
    return undefined;
  }

  async function nextCandidate(): Promise<Candidate | undefined> {
    if (carried) {
      const candidate = carried;
      carried = undefined;
      return candidate;
    }
    const recovered = await nextFrom("active", recovery);
    if (recovered) return recovered;
    for (let i = 0; i < takingTurns.length; i++) {
      const [queue, scan] = takingTurns[(turn + i) % takingTurns.length];
      const candidate = await nextFrom(queue, scan);
      if (candidate) {
        turn = (turn + i + 1) % takingTurns.length;
        return candidate;
      }
    }
    return undefined;
  }

  /** Puts a message into the active set and starts its attempt. */
  async function admit(queue: Source, id: string): Promise<void> {
    if (active.has(id)) return;
    active.add(id);
    const activeSince = now();
    if (queue !== "active") {
      try {
        await store.move(id, queue, "active");
      } catch (error) {
        active.delete(id);
        // Gone already: delivered meanwhile, or removed by the admin.
        if (!(error instanceof Deno.errors.NotFound)) {
          qmgr.warning(
            `${id}: cannot move from ${queue}/ to active/: ${errorText(error)}`,
          );
        }
        pump();
        return;
      }
      if (state !== "running") {
        // Stopped during the rename: recovered from active/ next start.
        active.delete(id);
        settle();
        return;
      }
    }
    const attempt: Promise<void> = attemptDelivery(context, id, activeSince)
      .finally(() => {
        active.delete(id);
        attempts.delete(attempt);
        pump();
        settle();
      });
    attempts.add(attempt);
  }

  async function fill(): Promise<void> {
    while (state === "running" && hasRoom()) {
      const candidate = await nextCandidate();
      if (!candidate || state !== "running") return;
      if (!hasRoom()) {
        carried = candidate;
        return;
      }
      await admit(candidate.queue, candidate.id);
    }
  }

  /** Takes work from the scans while the active set has room. */
  function pump(): void {
    if (state !== "running") return;
    if (filling) {
      refill = true;
      return;
    }
    refill = false;
    filling = fill()
      .catch((error) => qmgr.error(`queue scan failed: ${errorText(error)}`))
      .finally(() => {
        filling = undefined;
        if (refill) pump();
        else settle();
      });
  }

  function committed(id: string): void {
    if (state !== "running") return;
    if (hasRoom() && !carried && !incoming.pending()) {
      void admit("incoming", id);
    } else {
      incoming.request();
      pump();
    }
  }

  function scheduleDeferredRun(): void {
    cancelTimer = schedule(() => {
      if (state !== "running") return;
      deferred.request();
      pump();
      scheduleDeferredRun();
    }, config().queue_run_delay * 1000);
  }

  async function waitForAttempts(deadlineMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineMs));
    });
    try {
      await Promise.race([Promise.all([filling, ...attempts]), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    start() {
      if (state !== "new") {
        return Promise.reject(new Error("Queue manager was already started"));
      }
      state = "running";
      unsubscribe = store.subscribe(committed);
      recovery.request();
      incoming.request();
      deferred.request();
      scheduleDeferredRun();
      pump();
      return Promise.resolve();
    },
    flush() {
      if (state !== "running") return;
      incoming.request();
      deferred.request({ flush: true });
      pump();
    },
    stop(deadlineMs) {
      if (state === "new") state = "stopped";
      stopping ??= (async () => {
        if (state !== "running") return;
        state = "stopping";
        cancelTimer?.();
        unsubscribe?.();
        slots.close();
        carried = undefined;
        await waitForAttempts(deadlineMs);
        await Promise.all([
          recovery.close(),
          incoming.close(),
          deferred.close(),
        ]);
        state = "stopped";
        settle();
      })();
      return stopping;
    },
    activeCount: () => active.size,
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
  };
}
