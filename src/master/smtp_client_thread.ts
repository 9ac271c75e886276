/**
 * The master's side of the SMTP client's Worker (smtp_client_worker.ts):
 * the queue manager's `smtp-client-start` and `smtp-client-retire`
 * notices, and `smtp-client-failed` back (agent_notice_threads.ts;
 * agent_threads.ts says what the parent does).
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

/** What the queue manager's thread says of its SMTP client Worker. */
export type SmtpClientNotice = AgentNotice<"smtp-client">;

/** What the parent tells the queue manager's thread of that Worker. */
export type SmtpClientFailure = AgentFailure<"smtp-client">;

/** The SMTP client Workers of one queue manager's thread. */
export type SmtpClientThreads = AgentNoticeThreads<"smtp-client">;

/** How the Workers are run; tests substitute the worker module. */
export type SmtpClientThreadOptions = AgentNoticeThreadOptions<"smtp-client">;

const IDENTITY = {
  agent: "smtp-client",
  name: "smtp",
  label: "SMTP client",
  workerUrl: new URL("./smtp_client_worker.ts", import.meta.url),
} as const;

/** Creates the (empty) set of Workers. */
export function createSmtpClientThreads(
  options: SmtpClientThreadOptions,
): SmtpClientThreads {
  return createAgentNoticeThreads(IDENTITY, options);
}
