/**
 * The daemon's side of `mailsrv queue delete|hold|release|requeue` and
 * `mailsrv postsuper` while it runs: the control command `queue-surgery`.
 *
 * DESCRIPTION
 *   Checks the request that came over the control socket
 *   (`{"command":"queue-surgery","operation":"hold","ids":[…]|"ALL",
 *   "queues":[…]}`) and hands it to the queue manager's thread, which
 *   owns the active queue (surgery.ts); the reply carries the report
 *   once every message is dealt with. Nothing is done here to the files.
 */
import type { ControlReply, ControlRequest } from "./control.ts";
import type { QueueManagerThread } from "./qmgr_thread.ts";
import {
  SURGERY_QUEUE_NAMES,
  SURGERY_QUEUES,
  type SurgeryOperation,
  type SurgeryRequest,
} from "../queue/mod.ts";
import type { QueueName } from "../queue/mod.ts";

/** The surgery in a control request, or a reason it is not one. */
export function surgeryRequestOf(
  request: ControlRequest,
): SurgeryRequest | string {
  const operation = request.operation;
  if (typeof operation !== "string" || !(operation in SURGERY_QUEUES)) {
    return `unknown operation "${operation}"`;
  }
  const ids = request.ids;
  if (
    ids !== "ALL" &&
    !(Array.isArray(ids) && ids.every((id) => typeof id === "string"))
  ) return 'ids must be a list of queue IDs or "ALL"';
  const queues = request.queues;
  if (
    queues !== undefined &&
    !(Array.isArray(queues) &&
      queues.every((q) => SURGERY_QUEUE_NAMES.includes(q as QueueName)))
  ) return `invalid queue names ${JSON.stringify(queues)}`;
  return {
    operation: operation as SurgeryOperation,
    ids: ids as readonly string[] | "ALL",
    ...(queues ? { queues: queues as QueueName[] } : {}),
  };
}

/** Answers one `queue-surgery` control request. */
export async function answerSurgery(
  manager: QueueManagerThread | undefined,
  request: ControlRequest,
): Promise<ControlReply> {
  if (!manager) return { ok: false, error: "the daemon is starting" };
  const surgery = surgeryRequestOf(request);
  if (typeof surgery === "string") return { ok: false, error: surgery };
  try {
    const report = await manager.surgery(surgery);
    // ALL prints only the total: its IDs could outgrow a reply line.
    return {
      ok: true,
      report: surgery.ids === "ALL" ? { ...report, done: [] } : report,
    };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
