/**
 * The parent's side of the local delivery Worker
 * (local_delivery_worker.ts).
 *
 * DESCRIPTION
 *   A Worker can grant its children no more than it holds, and the queue
 *   manager's thread may neither write a mailbox nor run a command; so
 *   when it wants local delivery it asks its parent (the master, or
 *   `mailsrv flush`) with `local-delivery-start` and its end of a
 *   channel, and the parent starts the Worker with the `local` role's
 *   grants computed from the current configuration and hands the port on.
 *   The two threads then talk directly; the parent only
 *
 *     - reports a Worker that failed to start or died of an error back
 *       to the queue manager's thread (`local-delivery-failed`), which
 *       defers what it had under way and starts a new one (after the
 *       restart backoff) when it next needs one;
 *     - ends a Worker the queue manager let go after max_idle
 *       (`local-delivery-retire`), with nothing under way;
 *     - ends every Worker when the queue manager's thread ends (stop,
 *       retirement, a failure, new grants): local delivery never
 *       outlives the thread it delivers for.
 *
 *   Used by qmgr_thread.ts and one_shot_run.ts, one per queue manager's
 *   thread. Its twin for the SMTP client is smtp_client_thread.ts.
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import type {
  FromLocalDelivery,
  ToLocalDelivery,
} from "./local_delivery_protocol.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";

/** What the queue manager's thread says of its local delivery Worker. */
export type LocalDeliveryNotice = Extract<
  FromQueueManager,
  { kind: "local-delivery-start" | "local-delivery-retire" }
>;

/** What the parent tells the queue manager's thread of that Worker. */
export type LocalDeliveryFailure = Extract<
  ToQueueManager,
  { kind: "local-delivery-failed" }
>;

/** The local delivery Workers of one queue manager's thread. */
export interface LocalDeliveryThreads {
  /** Acts on a notice of the queue manager's thread. */
  handle(notice: LocalDeliveryNotice, config: Config): void;
  /** Ends every Worker (the queue manager's thread has ended). */
  end(): void;
}

/** How the Workers are run; tests substitute the worker module. */
export interface LocalDeliveryThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells the queue manager's thread (a Worker failed). */
  readonly tell: (message: LocalDeliveryFailure) => void;
  /** The Worker's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The worker module (default: local_delivery_worker.ts). */
  readonly workerUrl?: URL;
}

const WORKER_URL = new URL("./local_delivery_worker.ts", import.meta.url);

const log = maillog("master");

/** Creates the (empty) set of Workers. */
export function createLocalDeliveryThreads(
  options: LocalDeliveryThreadOptions,
): LocalDeliveryThreads {
  const workerUrl = (options.workerUrl ?? WORKER_URL).href;
  const running = new Map<number, Worker>();

  const gone = (generation: number, error: string) => {
    running.get(generation)?.terminate();
    running.delete(generation);
    log.error(`local delivery thread failed: ${error}`);
    options.tell({ kind: "local-delivery-failed", generation, error });
  };

  const start = (generation: number, port: MessagePort, config: Config) => {
    let worker: Worker;
    try {
      const permissions = options.permissions?.(config);
      worker = new Worker(workerUrl, {
        type: "module",
        name: "local",
        ...(permissions ? { deno: { permissions } } : {}),
      });
    } catch (error) {
      port.close();
      return gone(
        generation,
        error instanceof Error ? error.message : String(error),
      );
    }
    running.set(generation, worker);
    worker.onmessage = (event: MessageEvent<FromLocalDelivery>) => {
      const message = event.data;
      if (message.kind === "syslog") sendSyslogDatagram(message.message);
      else gone(generation, message.error);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      gone(generation, event.message);
    };
    const message: ToLocalDelivery = {
      kind: "start",
      config,
      foreground: options.foreground,
      port,
    };
    worker.postMessage(message, [port]);
  };

  return {
    handle(notice, config) {
      if (notice.kind === "local-delivery-start") {
        return start(notice.generation, notice.port, config);
      }
      running.get(notice.generation)?.terminate();
      running.delete(notice.generation);
    },
    end() {
      for (const worker of running.values()) worker.terminate();
      running.clear();
    },
  };
}
