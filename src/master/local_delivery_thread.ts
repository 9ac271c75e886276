/**
 * The parent's side of the local delivery Worker
 * (local_delivery_worker.ts): the queue manager's
 * `local-delivery-start` and `local-delivery-retire` notices, and
 * `local-delivery-failed` back (agent_threads.ts says what the parent
 * does; the restart backoff is the queue manager's).
 *
 * Used by qmgr_thread.ts and one_shot_run.ts, one per queue manager's
 * thread.
 */
import type { Config } from "../config/types.ts";
import { createAgentThreads } from "./agent_threads.ts";
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

/** Creates the (empty) set of Workers. */
export function createLocalDeliveryThreads(
  options: LocalDeliveryThreadOptions,
): LocalDeliveryThreads {
  const threads = createAgentThreads({
    name: "local",
    label: "local delivery",
    workerUrl: options.workerUrl ?? WORKER_URL,
    foreground: options.foreground,
    permissions: options.permissions,
    failed: (generation, error) =>
      options.tell({ kind: "local-delivery-failed", generation, error }),
  });
  return {
    handle(notice, config) {
      if (notice.kind === "local-delivery-start") {
        threads.start(notice.generation, notice.port, config);
      } else threads.retire(notice.generation);
    },
    end: () => threads.end(),
  };
}
