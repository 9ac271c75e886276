/**
 * The master's handle on the queue manager's thread (qmgr_worker.ts).
 *
 * DESCRIPTION
 *   Starts the Worker, forwards each commit of the master's queue store to
 *   it, takes back spent queue files as spares, and relays flush, queue
 *   surgery (postsuper), reload, status and stop. A flush resolves with its run's report (and passes
 *   on a progress event per message); a thread with a flush under way is
 *   not retired, and a flush whose thread dies is reported interrupted.
 *   The thread's life:
 *
 *     running     delivering; commits are forwarded as they happen
 *     retiring    it reported max_idle with the queue empty and was told
 *                 to stop; commits meanwhile wake it again once stopped
 *     dormant     no thread: an idle daemon holds no delivery isolate
 *                 (Postfix's idle delivery agents exit the same way); the
 *                 next commit or flush starts one, which recovers the queue
 *     restarting  the thread died of an error; it is logged and a new one
 *                 starts after a backoff (restart_backoff.ts: 1 s doubling
 *                 to 60 s; Postfix's master restarts a failed qmgr),
 *                 recovering active/ and incoming/
 *
 *   The daemon starts dormant when the queue holds no message.
 *
 *   Each thread starts with the Deno permissions `options.permissions`
 *   computes from the configuration (role_permissions.ts), at every start,
 *   so a restart or a wake from dormant follows the current configuration
 *   and system. A reload that changes them retires the running thread
 *   (deliveries in flight get RETIRE_DEADLINE_MS; what is unfinished
 *   stays in active/) and starts a new one with the new grants; a flush
 *   under way is then reported interrupted.
 *
 *   The thread's SMTP client runs in a Worker of its own, which the
 *   master starts and ends on the thread's word (agent_notice_threads.ts)
 *   with `options.smtpClientPermissions`; it ends with the thread, and a
 *   change of its grants on reload restarts the thread too. So does its
 *   local delivery (agent_notice_threads.ts, with
 *   `options.localDeliveryPermissions`).
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import { batchPerTurn } from "../common/message_batch.ts";
import type {
  FlushedMessage,
  FlushReport,
  FlushRequest,
  QueueStore,
  SurgeryReport,
  SurgeryRequest,
} from "../queue/mod.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";
import {
  createDeliveryAgentThreads,
  type DeliveryAgentThreadOptions,
} from "./delivery_agent_threads.ts";
import { createRestartBackoff } from "./restart_backoff.ts";
import type { CommitLinks } from "./commit_links.ts";
import { watchCrashes } from "./thread_crash.ts";

/** Deadline for a retiring thread (it has nothing in flight). */
const RETIRE_DEADLINE_MS = 10_000;

/** The running queue manager, seen from the master. */
export interface QueueManagerThread {
  /**
   * Delivers all queued mail now, or a site's (`mailsrv flush`, ETRN);
   * resolves when that run is over.
   */
  flush(request?: FlushRequest): Promise<FlushReport>;
  /**
   * Deletes, holds, releases or requeues messages in the queue manager's
   * thread (started for it when dormant); resolves once every message is
   * dealt with.
   * @throws when the thread stops or fails first
   */
  surgery(request: SurgeryRequest): Promise<SurgeryReport>;
  /** Hands over a new, validated configuration. */
  reload(config: Config): void;
  /** Messages in the active set. */
  activeCount(): Promise<number>;
  /** Whether a thread is running (false while dormant). */
  running(): boolean;
  /** Lets deliveries finish until `deadlineMs`, then ends the thread. */
  stop(deadlineMs: number): Promise<void>;
}

/** How the thread is run; tests substitute the worker module. */
export interface QueueManagerThreadOptions extends
  Pick<
    DeliveryAgentThreadOptions,
    | "smtpClientPermissions"
    | "localDeliveryPermissions"
    | "localDeliveryWorkerUrl"
  > {
  /** The worker module (default: qmgr_worker.ts). */
  readonly workerUrl?: URL;
  /** Pause before the first restart (default: restart_backoff.ts). */
  readonly restartDelayMs?: number;
  /** Takes a spent queue file (default: the store's own spare). */
  readonly spare?: (spare: string) => void;
  /** Start without a thread, until the first commit or flush. */
  readonly dormant?: boolean;
  /**
   * The thread's Deno permissions under a configuration (default: the
   * parent's, all of them).
   */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** Links each thread to smtpd's threads (commit_links.ts). */
  readonly commitLinks?: CommitLinks;
}

const WORKER_URL = new URL("./qmgr_worker.ts", import.meta.url);

const log = maillog("master");

type State = "running" | "retiring" | "dormant" | "restarting" | "stopped";

const INTERRUPTED: FlushReport = {
  messages: 0,
  sent: 0,
  deferred: 0,
  bounced: 0,
  errors: 0,
  interrupted: true,
};

/** A flush asked of the thread, and who waits for its report. */
interface FlushWaiter {
  readonly message: Extract<ToQueueManager, { kind: "flush" }>;
  readonly progress?: (message: FlushedMessage) => void;
  readonly resolve: (report: FlushReport) => void;
}

/** A surgery asked of the thread, and who waits for its report. */
interface SurgeryWaiter {
  readonly message: Extract<ToQueueManager, { kind: "surgery" }>;
  readonly resolve: (report: SurgeryReport) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Starts the queue manager's thread on `store`'s queue and resolves once
 * it has recovered the queue and is delivering (at once when dormant).
 * @throws when the thread cannot start (its reason)
 */
export function startQueueManagerThread(
  store: QueueStore,
  initial: Config,
  foreground: boolean,
  options: QueueManagerThreadOptions = {},
): Promise<QueueManagerThread> {
  const backoff = createRestartBackoff({
    firstDelayMs: options.restartDelayMs,
  });
  const spare = options.spare ?? ((name: string) => store.adoptSpare(name));
  const workerUrl = (options.workerUrl ?? WORKER_URL).href;
  let config = initial;
  let state: State = "dormant";
  let worker: Worker | undefined;
  /** Commit messages posted to the current thread. */
  let posted = 0;
  /** Work arrived while no thread could take it: start one when possible. */
  let wanted = false;
  /** Flushes waiting for a thread to take them. */
  let flushesWanted: FlushWaiter[] = [];
  /** Flushes the current thread has taken and not yet reported. */
  const flushesPosted = new Map<number, FlushWaiter>();
  /** Surgeries waiting for a thread, and those posted to the current one. */
  let surgeriesWanted: SurgeryWaiter[] = [];
  const surgeriesPosted = new Map<number, SurgeryWaiter>();
  let requests = 0;
  const statusWaiters = new Map<number, (active: number) => void>();
  let onStopped: (() => void) | undefined;
  let onStart: ((error?: string) => void) | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;

  const post = (message: ToQueueManager) => worker?.postMessage(message);
  /** The commits of one turn (smtpd's batch), in one message. */
  const committed = batchPerTurn<string>((ids) =>
    post({ kind: "committed", ids })
  );
  const agents = createDeliveryAgentThreads({
    foreground,
    tell: post,
    smtpClientPermissions: options.smtpClientPermissions,
    localDeliveryPermissions: options.localDeliveryPermissions,
    localDeliveryWorkerUrl: options.localDeliveryWorkerUrl,
  });

  const answerStatusWaiters = () => {
    for (const answer of statusWaiters.values()) answer(0);
    statusWaiters.clear();
  };

  const end = () => {
    worker?.terminate();
    worker = undefined;
    options.commitLinks?.queueManagerEnded();
    agents.end();
    answerStatusWaiters();
    for (const waiter of flushesPosted.values()) waiter.resolve(INTERRUPTED);
    flushesPosted.clear();
    for (const waiter of surgeriesPosted.values()) {
      waiter.reject(new Error("the queue manager stopped before it was done"));
    }
    surgeriesPosted.clear();
  };

  const postSurgery = (waiter: SurgeryWaiter) => {
    surgeriesPosted.set(waiter.message.request, waiter);
    post(waiter.message);
  };

  const postFlush = (waiter: FlushWaiter) => {
    flushesPosted.set(waiter.message.request, waiter);
    post(waiter.message);
  };

  /** The grants of the running thread (JSON), to notice a change. */
  let granted: string | undefined;
  const grantsOf = (of: Config) => options.permissions?.(of);
  /** The grants of the thread and of its agents, to notice a change. */
  const grantsKey = (of: Config) =>
    JSON.stringify([
      grantsOf(of),
      options.smtpClientPermissions?.(of),
      options.localDeliveryPermissions?.(of),
    ]);

  const launch = () => {
    const permissions = grantsOf(config);
    granted = JSON.stringify([
      permissions,
      options.smtpClientPermissions?.(config),
      options.localDeliveryPermissions?.(config),
    ]);
    worker = watchCrashes(
      new Worker(workerUrl, {
        type: "module",
        name: "qmgr",
        ...(permissions ? { deno: { permissions } } : {}),
      }),
    );
    worker.onmessage = received;
    worker.onerror = failed;
    backoff.started(Date.now());
    state = "running";
    posted = 0;
    wanted = false;
    post({ kind: "start", config, foreground });
    const linked = worker;
    options.commitLinks?.queueManagerStarted((message, transfer) =>
      linked.postMessage(message, transfer ?? [])
    );
    const flushes = flushesWanted;
    flushesWanted = [];
    for (const waiter of flushes) postFlush(waiter);
    const surgeries = surgeriesWanted;
    surgeriesWanted = [];
    for (const waiter of surgeries) postSurgery(waiter);
  };

  /** Starts a thread for work that came in while there was none. */
  const wake = () => {
    onStart = (error) => {
      onStart = undefined;
      if (error !== undefined) {
        end();
        scheduleRestart(error);
      }
    };
    launch();
  };

  const scheduleRestart = (why: string) => {
    state = "restarting";
    const restartDelayMs = backoff.failed(Date.now());
    log.error(
      `queue manager thread failed: ${why}; restarting in ${
        restartDelayMs / 1000
      } s`,
    );
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      wake();
    }, restartDelayMs);
  };

  const retired = () => {
    onStopped = undefined;
    end();
    if (wanted || flushesWanted.length > 0 || surgeriesWanted.length > 0) {
      wake();
    } else state = "dormant";
  };

  const received = (event: MessageEvent<FromQueueManager>) => {
    const message = event.data;
    switch (message.kind) {
      case "syslog":
        return sendSyslogDatagram(message.message);
      case "spares":
        for (const name of message.spares) spare(name);
        return;
      case "started":
        return onStart?.();
      case "failed":
        return onStart?.(message.error);
      case "status":
        statusWaiters.get(message.request)?.(message.activeMessages);
        statusWaiters.delete(message.request);
        return;
      case "flushed":
        return flushesPosted.get(message.request)?.progress?.(message.message);
      case "surgery-report": {
        const waiter = surgeriesPosted.get(message.request);
        surgeriesPosted.delete(message.request);
        if (message.report) waiter?.resolve(message.report);
        else waiter?.reject(new Error(message.error ?? "surgery failed"));
        return;
      }
      case "flush-report":
        flushesPosted.get(message.request)?.resolve(message.report);
        flushesPosted.delete(message.request);
        return;
      case "idle":
        // Only if no commit or flush is on its way to it.
        if (
          state === "running" && message.committed === posted &&
          flushesPosted.size === 0 && surgeriesPosted.size === 0
        ) {
          state = "retiring";
          onStopped = retired;
          post({ kind: "stop", deadlineMs: RETIRE_DEADLINE_MS });
        }
        return;
      case "stopped":
        return onStopped?.();
      case "smtp-client-start":
      case "smtp-client-retire":
      case "local-delivery-start":
      case "local-delivery-retire":
        return agents.handle(message, config);
    }
  };

  const failed = (event: ErrorEvent) => {
    event.preventDefault();
    end();
    if (state === "stopped") onStopped?.();
    else if (onStart) onStart(event.message);
    else scheduleRestart(event.message);
  };

  const unsubscribe = store.subscribe((id) => {
    if (state === "running") {
      posted++;
      committed.add(id);
    } else if (state === "dormant") wake();
    else wanted = true;
  });

  const handle: QueueManagerThread = {
    flush(request = {}) {
      if (state === "stopped") return Promise.resolve(INTERRUPTED);
      return new Promise<FlushReport>((resolve) => {
        const waiter: FlushWaiter = {
          message: {
            kind: "flush",
            request: ++requests,
            ...(request.site === undefined ? {} : { site: request.site }),
            progress: request.progress !== undefined,
          },
          progress: request.progress,
          resolve,
        };
        if (state === "running") postFlush(waiter);
        else {
          flushesWanted.push(waiter);
          if (state === "dormant") wake();
        }
      });
    },
    surgery(request) {
      if (state === "stopped") {
        return Promise.reject(new Error("the daemon is stopping"));
      }
      return new Promise<SurgeryReport>((resolve, reject) => {
        const waiter: SurgeryWaiter = {
          message: { kind: "surgery", request: ++requests, surgery: request },
          resolve,
          reject,
        };
        if (state === "running") postSurgery(waiter);
        else {
          surgeriesWanted.push(waiter);
          if (state === "dormant") wake();
        }
      });
    },
    reload(next) {
      config = next;
      if (state !== "running") return;
      if (grantsKey(next) === granted) {
        return post({ kind: "reload", config: next, foreground });
      }
      // New grants need a new thread: retire this one, start another.
      log.info("queue manager thread restarting with new permissions");
      state = "retiring";
      wanted = true;
      onStopped = retired;
      post({ kind: "stop", deadlineMs: RETIRE_DEADLINE_MS });
    },
    activeCount() {
      if (state !== "running") return Promise.resolve(0);
      const request = ++requests;
      return new Promise((resolve) => {
        statusWaiters.set(request, resolve);
        post({ kind: "status", request });
      });
    },
    running: () => state === "running" || state === "retiring",
    stop(deadlineMs) {
      const was = state;
      state = "stopped";
      unsubscribe();
      clearTimeout(restartTimer);
      for (const waiter of flushesWanted) waiter.resolve(INTERRUPTED);
      flushesWanted = [];
      for (const waiter of surgeriesWanted) {
        waiter.reject(new Error("the daemon is stopping"));
      }
      surgeriesWanted = [];
      if (was !== "running" && was !== "retiring") {
        end();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        onStopped = () => {
          onStopped = undefined;
          end();
          resolve();
        };
        if (was === "running") post({ kind: "stop", deadlineMs });
      });
    },
  };

  if (options.dormant) return Promise.resolve(handle);
  return new Promise((resolve, reject) => {
    onStart = (error) => {
      onStart = undefined;
      if (error === undefined) resolve(handle);
      else {
        state = "stopped";
        unsubscribe();
        end();
        reject(new Error(error));
      }
    };
    launch();
  });
}
