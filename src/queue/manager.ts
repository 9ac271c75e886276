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
 *     timer       every queue_run_delay, the messages of deferred/
 *                 whose mtime (the retry time) has come, from the
 *                 deferred schedule (deferred_schedule.ts: deferred/ is
 *                 read once, at start; a run stats only what is due),
 *                 and a scan of active/ takes any message an attempt left
 *                 there because the queue could not be updated (a full
 *                 disk): Postfix's qmgr rescans active/ the same way
 *     flush       `mailsrv flush`: incoming/ and all of deferred/ now,
 *                 retry times ignored (Postfix `postqueue -f`); with a
 *                 site (`flush --site`, ETRN), the deferred messages
 *                 with a pending recipient in that domain (`postqueue
 *                 -s`). Flushed mail is delivered even when its
 *                 transport is in defer_transports (the attempt says
 *                 `flushRequested`), as in Postfix. `flush` resolves
 *                 once the run is over (flush_run.ts). A flush
 *                 also rescans active/ for messages left there.
 *
 *   At start, at every timer run and at every flush, defer/ records
 *   whose message no longer exists are removed (stale_defer_logfiles.ts);
 *   a timer run reads defer/ only when it changed (defer_sweep.ts).
 *
 *   With `queueRuns: false` (a one-shot run, `mailsrv flush` with the
 *   daemon stopped) there is no periodic deferred/ run: deferred mail is
 *   taken only when a flush asks for it.
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
import type { DeliveryMessage, DeliveryResult } from "./delivery_contract.ts";
import { maillog } from "../log/maillog.ts";
import {
  attemptDelivery,
  type DeliveryAttemptContext,
} from "./delivery_attempt.ts";
import { createDeliverySlots } from "./delivery_slots.ts";
import { DeferredSchedule } from "./deferred_schedule.ts";
import {
  type AttemptTally,
  createFlushRun,
  type FlushReport,
  type FlushRequest,
  type FlushRun,
} from "./flush_run.ts";
import {
  createQueueScan,
  type QueueScan,
  type ScanCandidate,
} from "./queue_scan.ts";
import { createDeferSweep } from "./defer_sweep.ts";
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
  /**
   * Scan deferred/ for due mail at start and every queue_run_delay
   * (default true); a one-shot run passes false.
   */
  readonly queueRuns?: boolean;
  /**
   * Told when the attempt on a message is over, before the manager takes
   * more work (queue surgery waits for it: surgery.ts).
   */
  readonly attemptOver?: (id: string) => void;
}

/** A running queue manager. */
export interface QueueManager {
  /** Recovers what a previous run left and starts taking new mail. */
  start(): Promise<void>;
  /**
   * Delivers all queued mail now, ignoring retry times (or, with a site,
   * the deferred mail for that domain); resolves when that run is over.
   */
  flush(request?: FlushRequest): Promise<FlushReport>;
  /** Takes no new work and waits up to `deadlineMs` for deliveries. */
  stop(deadlineMs: number): Promise<void>;
  /** Messages in the active set. */
  activeCount(): number;
  /** Whether a flush run is under way (dead destinations are tried). */
  flushing(): boolean;
  /** Resolves when no message is active and no scan has work left. */
  whenIdle(): Promise<void>;
  /** Whether message `id` is in the active set (being delivered). */
  isActive(id: string): boolean;
  /** Message `id` was put (back) into incoming/: take it as a new one. */
  take(id: string): void;
  /**
   * Whether any message waits in active/, incoming/ or deferred/, with
   * deferred/ answered by the schedule once it is read (no listing of a
   * big deferred queue each time the thread asks whether it may retire).
   */
  holdsMessages(): boolean;
}

type Source = "active" | "incoming" | "deferred";

interface Candidate {
  readonly queue: Source;
  readonly id: string;
  /** Taken for a flush: defer_transports do not hold it back. */
  readonly flushRequested: boolean;
  /** The flush runs that count it. */
  readonly runs: readonly FlushRun[];
}

const NOT_RUNNING: FlushReport = {
  messages: 0,
  sent: 0,
  deferred: 0,
  bounced: 0,
  errors: 0,
  interrupted: true,
};

/** Whether a pending recipient of `envelope` is in one of `sites`. */
function hasRecipientIn(
  recipients: readonly { address: string; status: string }[],
  site: string,
): boolean {
  return recipients.some((r) =>
    r.status === "pending" &&
    r.address.slice(r.address.lastIndexOf("@") + 1).toLowerCase() === site
  );
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
  // A normal run takes the due messages from the schedule; a flush lists
  // the directory (deferred_schedule.ts).
  const retries = new DeferredSchedule(store, now);
  // defer/ is read whole at start and flushes, else only when it changed.
  const sweeper = createDeferSweep({
    queueDirectory: store.queueDirectory,
    known: (id) => retries.holds(id),
    removed: (id) => qmgr.info(`${id}: stale defer logfile removed`),
    failed: (error) => qmgr.warning(`cannot sweep defer/: ${errorText(error)}`),
  });
  const deferred = createQueueScan((pass) =>
    pass.flushes.length === 0 ? retries.due() : store.list("deferred")
  );
  const takingTurns: ReadonlyArray<readonly [Source, QueueScan]> = [
    ["incoming", incoming],
    ["deferred", deferred],
  ];
  let turn = 0;
  /** A candidate found when the set had just filled up; taken first. */
  let carried: Candidate | undefined;
  let state: "new" | "running" | "stopping" | "stopped" = "new";
  let filling: Promise<void> | undefined;
  /** The first read of deferred/ and the sweep after it. */
  let starting: Promise<void> | undefined;
  let refill = false;
  let cancelTimer: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  let stopping: Promise<void> | undefined;
  const openRuns = new Set<FlushRun>();
  const queueRuns = options.queueRuns ?? true;

  const hasRoom = () =>
    active.size < Math.max(1, config().qmgr_message_active_limit);

  /** Whether a scan or a carried candidate may have a message to take. */
  const hasWork = () =>
    carried !== undefined || recovery.pending() || incoming.pending() ||
    deferred.pending();

  const isIdle = () =>
    active.size === 0 && !filling && !starting && !carried &&
    !sweeper.busy() &&
    !recovery.pending() &&
    !incoming.pending() && !deferred.pending();

  const settle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  /** Recipients of `id` in `queue`, or undefined (logged) if unreadable. */
  async function recipientsOf(queue: Source, id: string) {
    try {
      return (await store.readEnvelope(queue, id)).recipients;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        qmgr.warning(`${id}: cannot read the recipients: ${errorText(error)}`);
      }
      return undefined;
    }
  }

  /** The flush requests of the pass that `found` belongs to. */
  async function flushesFor(queue: Source, found: ScanCandidate) {
    if (found.flushes.length === 0) return [];
    const needsSites = found.flushes.some((f) => !f.flush);
    const recipients = needsSites
      ? await recipientsOf(queue, found.id)
      : undefined;
    return found.flushes.filter((f) =>
      f.flush ||
      (f.site !== undefined && recipients !== undefined &&
        hasRecipientIn(recipients, f.site.toLowerCase()))
    );
  }

  /**
   * Whether a candidate is worth taking: not active, and due or flushed;
   * undefined when it is not.
   */
  async function acceptable(
    queue: Source,
    found: ScanCandidate,
  ): Promise<Candidate | undefined> {
    const { id } = found;
    if (active.has(id)) return undefined;
    const flushes = await flushesFor(queue, found);
    const runs = flushes.flatMap((f) => f.run ? [f.run] : []);
    const flushRequested = flushes.length > 0;
    if (queue !== "deferred" || flushRequested) {
      return { queue, id, flushRequested, runs };
    }
    if (!found.due) return undefined;
    try {
      const retryTime = await store.retryTime("deferred", id);
      if (retryTime === undefined) {
        // Gone behind the manager's back: its logfile may be left.
        sweeper.changed(id);
        return undefined;
      }
      if (retryTime <= now()) return { queue, id, flushRequested, runs };
      // Not due after all (the entry was outdated): keep its real time.
      retries.set(id, retryTime);
      return undefined;
    } catch (error) {
      qmgr.warning(`${id}: cannot read the retry time: ${errorText(error)}`);
      return undefined;
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
      const candidate = await acceptable(queue, found);
      if (candidate) {
        for (const run of candidate.runs) run.admitted(candidate.id);
        return candidate;
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
  async function admit(candidate: Candidate): Promise<void> {
    const { queue, id, runs } = candidate;
    const dropped = () => {
      for (const run of runs) run.dropped(id);
    };
    if (active.has(id)) return dropped();
    active.add(id);
    if (queue === "deferred") retries.forget(id);
    const activeSince = now();
    if (queue !== "active") {
      try {
        await store.move(id, queue, "active");
      } catch (error) {
        active.delete(id);
        dropped();
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
        dropped();
        settle();
        return;
      }
    }
    let tally: AttemptTally | undefined;
    const attempt: Promise<void> = attemptDelivery(
      context,
      id,
      activeSince,
      candidate.flushRequested,
    )
      .then((result) => {
        tally = result;
      })
      .finally(() => {
        // Deferred again (or unsure): note its new retry time.
        if (!tally || tally.deferred > 0) retries.attempted(id);
        active.delete(id);
        attempts.delete(attempt);
        for (const run of runs) run.attempted(id, tally);
        options.attemptOver?.(id);
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
      await admit(candidate);
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
    // Nothing to take (the usual end of an attempt): no scan is walked.
    if (!hasWork()) return settle();
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
      void admit({ queue: "incoming", id, flushRequested: false, runs: [] });
    } else {
      incoming.request();
      pump();
    }
  }

  /**
   * Removes the defer/ records of messages that are gone (defer_sweep.ts):
   * `whole` reads all of defer/; a message the schedule holds is in
   * deferred/ and costs no stat.
   */
  function sweepDeferLogfiles(whole: boolean): Promise<void> {
    return sweeper.sweep(whole).finally(settle);
  }

  function scheduleDeferredRun(): void {
    cancelTimer = schedule(() => {
      if (state !== "running") return;
      // Also what an attempt could not move out of active/ (a full disk).
      recovery.request();
      void sweepDeferLogfiles(false);
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
      if (queueRuns) {
        // The sweep waits for the schedule, which spares it most stats.
        starting = retries.load().then(
          () => state === "running" ? sweepDeferLogfiles(true) : undefined,
          (error) =>
            qmgr.warning(`cannot read the deferred queue: ${errorText(error)}`),
        ).finally(() => {
          starting = undefined;
          settle();
        });
        deferred.request();
        scheduleDeferredRun();
      } else void sweepDeferLogfiles(true);
      pump();
      return Promise.resolve();
    },
    flush(request = {}) {
      if (state !== "running") return Promise.resolve(NOT_RUNNING);
      // incoming/, deferred/, and active/ for what an attempt left there.
      const run = createFlushRun(3, request.progress);
      openRuns.add(run);
      void run.report.then(() => openRuns.delete(run));
      const scope = request.site === undefined
        ? { flush: true, run }
        : { site: request.site, run };
      recovery.request(scope);
      incoming.request(scope);
      deferred.request(scope);
      void sweepDeferLogfiles(true);
      pump();
      return run.report;
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
        for (const run of openRuns) run.interrupt();
        retries.close();
        await waitForAttempts(deadlineMs);
        await starting;
        await sweeper.idle();
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
    holdsMessages: () =>
      active.size > 0 ||
      (retries.loaded ? retries.size > 0 : store.holdsMessages("deferred")) ||
      store.holdsMessages("active") || store.holdsMessages("incoming"),
    isActive: (id) => active.has(id),
    take: committed,
    flushing: () => openRuns.size > 0,
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
  };
}
