/**
 * The master's handle on the queue manager's thread (qmgr_worker.ts).
 *
 * DESCRIPTION
 *   Starts the Worker, forwards each commit of the master's queue store to
 *   it, takes back spent queue files as spares, and relays flush, reload,
 *   status and stop. If the thread dies of an error it is logged and a new
 *   one is started after RESTART_DELAY_MS (Postfix's master restarts a
 *   failed qmgr the same way); the new thread recovers active/ and
 *   incoming/, so no message waits for a restart of the daemon.
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import type { QueueStore } from "../queue/store.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";

/** The pause before a failed queue manager thread is started again. */
export const RESTART_DELAY_MS = 1000;

/** The running queue manager, seen from the master. */
export interface QueueManagerThread {
  /** Delivers all queued mail now (`mailsrv flush`). */
  flush(): void;
  /** Hands over a new, validated configuration. */
  reload(config: Config): void;
  /** Messages in the active set. */
  activeCount(): Promise<number>;
  /** Lets deliveries finish until `deadlineMs`, then ends the thread. */
  stop(deadlineMs: number): Promise<void>;
}

const log = maillog("master");

/** How the thread is run; tests substitute the worker module. */
export interface QueueManagerThreadOptions {
  /** The worker module (default: qmgr_worker.ts). */
  readonly workerUrl?: URL;
  /** Pause before a restart (default RESTART_DELAY_MS). */
  readonly restartDelayMs?: number;
}

const WORKER_URL = new URL("./qmgr_worker.ts", import.meta.url);

/**
 * Starts the queue manager's thread on `store`'s queue and resolves once
 * it has recovered the queue and is delivering.
 * @throws when the thread cannot start (its reason)
 */
export function startQueueManagerThread(
  store: QueueStore,
  initial: Config,
  foreground: boolean,
  options: QueueManagerThreadOptions = {},
): Promise<QueueManagerThread> {
  const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
  const workerUrl = (options.workerUrl ?? WORKER_URL).href;
  let config = initial;
  let worker: Worker;
  let stopping = false;
  let requests = 0;
  const statusWaiters = new Map<number, (active: number) => void>();
  let onStopped: (() => void) | undefined;
  let onStart: ((error?: string) => void) | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;

  const post = (message: ToQueueManager) => worker.postMessage(message);

  const received = (event: MessageEvent<FromQueueManager>) => {
    const message = event.data;
    switch (message.kind) {
      case "spare":
        return store.adoptSpare(message.spare);
      case "started":
        return onStart?.();
      case "failed":
        return onStart?.(message.error);
      case "status":
        statusWaiters.get(message.request)?.(message.activeMessages);
        statusWaiters.delete(message.request);
        return;
      case "stopped":
        return onStopped?.();
    }
  };

  const scheduleRestart = (why: string) => {
    log.error(
      `queue manager thread failed: ${why}; restarting in ${
        restartDelayMs / 1000
      } s`,
    );
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      onStart = (error) => {
        onStart = undefined;
        if (error !== undefined) {
          worker.terminate();
          scheduleRestart(error);
        }
      };
      launch();
    }, restartDelayMs);
  };

  const failed = (event: ErrorEvent) => {
    event.preventDefault();
    worker.terminate();
    for (const answer of statusWaiters.values()) answer(0);
    statusWaiters.clear();
    if (stopping) onStopped?.();
    else if (onStart) onStart(event.message);
    else scheduleRestart(event.message);
  };

  const launch = () => {
    worker = new Worker(workerUrl, { type: "module", name: "qmgr" });
    worker.onmessage = received;
    worker.onerror = failed;
    post({ kind: "start", config, foreground });
  };

  const unsubscribe = store.subscribe((id) => {
    if (!restartTimer) post({ kind: "committed", id });
  });

  const handle: QueueManagerThread = {
    flush: () => post({ kind: "flush" }),
    reload(next) {
      config = next;
      post({ kind: "reload", config: next, foreground });
    },
    activeCount() {
      if (restartTimer) return Promise.resolve(0);
      const request = ++requests;
      return new Promise((resolve) => {
        statusWaiters.set(request, resolve);
        post({ kind: "status", request });
      });
    },
    stop(deadlineMs) {
      stopping = true;
      unsubscribe();
      if (restartTimer) {
        clearTimeout(restartTimer);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        onStopped = () => {
          onStopped = undefined;
          worker.terminate();
          resolve();
        };
        post({ kind: "stop", deadlineMs });
      });
    },
  };

  return new Promise((resolve, reject) => {
    onStart = (error) => {
      onStart = undefined;
      if (error === undefined) resolve(handle);
      else {
        unsubscribe();
        worker.terminate();
        reject(new Error(error));
      }
    };
    launch();
  });
}
