/**
 * The parent's side of the local delivery Worker
 * (local_delivery_worker.ts): the queue manager's
 * `local-delivery-start` and `local-delivery-retire` notices, and
 * `local-delivery-failed` back (agent_notice_threads.ts; agent_threads.ts
 * says what the parent does; the restart backoff is the queue manager's).
 *
 * Used by qmgr_thread.ts and one_shot_run.ts, one per queue manager's
 * thread.
 */
import {
  type AgentFailure,
  type AgentNotice,
  type AgentNoticeThreadOptions,
  type AgentNoticeThreads,
  createAgentNoticeThreads,
} from "./agent_notice_threads.ts";

/** What the queue manager's thread says of its local delivery Worker. */
export type LocalDeliveryNotice = AgentNotice<"local-delivery">;

/** What the parent tells the queue manager's thread of that Worker. */
export type LocalDeliveryFailure = AgentFailure<"local-delivery">;

/** The local delivery Workers of one queue manager's thread. */
export type LocalDeliveryThreads = AgentNoticeThreads<"local-delivery">;

/** How the Workers are run; tests substitute the worker module. */
export type LocalDeliveryThreadOptions = AgentNoticeThreadOptions<
  "local-delivery"
>;

const IDENTITY = {
  agent: "local-delivery",
  name: "local",
  label: "local delivery",
  workerUrl: new URL("./local_delivery_worker.ts", import.meta.url),
} as const;

/** Creates the (empty) set of Workers. */
export function createLocalDeliveryThreads(
  options: LocalDeliveryThreadOptions,
): LocalDeliveryThreads {
  return createAgentNoticeThreads(IDENTITY, options);
}
