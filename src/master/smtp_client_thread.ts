/**
 * The master's side of the SMTP client's Worker (smtp_client_worker.ts):
 * the queue manager's `smtp-client-start` and `smtp-client-retire`
 * notices, and `smtp-client-failed` back (agent_threads.ts says what the
 * parent does).
 *
 * Used by qmgr_thread.ts and one_shot_run.ts, one per queue manager's
 * thread.
 */
import type { Config } from "../config/types.ts";
import { createAgentThreads } from "./agent_threads.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";

/** What the queue manager's thread says of its SMTP client. */
export type SmtpClientNotice = Extract<
  FromQueueManager,
  { kind: "smtp-client-start" | "smtp-client-retire" }
>;

/** What the master tells the queue manager's thread of its client. */
export type SmtpClientFailure = Extract<
  ToQueueManager,
  { kind: "smtp-client-failed" }
>;

/** The clients of one queue manager's thread. */
export interface SmtpClientThreads {
  /** Acts on a notice of the queue manager's thread. */
  handle(notice: SmtpClientNotice, config: Config): void;
  /** Ends every client (the queue manager's thread has ended). */
  end(): void;
}

/** How the clients are run; tests substitute the worker module. */
export interface SmtpClientThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells the queue manager's thread (a client failed). */
  readonly tell: (message: SmtpClientFailure) => void;
  /** The client's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The worker module (default: smtp_client_worker.ts). */
  readonly workerUrl?: URL;
}

const WORKER_URL = new URL("./smtp_client_worker.ts", import.meta.url);

/** Creates the (empty) set of clients. */
export function createSmtpClientThreads(
  options: SmtpClientThreadOptions,
): SmtpClientThreads {
  const threads = createAgentThreads({
    name: "smtp",
    label: "SMTP client",
    workerUrl: options.workerUrl ?? WORKER_URL,
    foreground: options.foreground,
    permissions: options.permissions,
    failed: (generation, error) =>
      options.tell({ kind: "smtp-client-failed", generation, error }),
  });
  return {
    handle(notice, config) {
      if (notice.kind === "smtp-client-start") {
        threads.start(notice.generation, notice.port, config);
      } else threads.retire(notice.generation);
    },
    end: () => threads.end(),
  };
}
