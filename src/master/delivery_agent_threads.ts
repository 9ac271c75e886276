/**
 * The parent's side of a queue manager's two delivery agents: the SMTP
 * client's Workers and local delivery's, started, retired and ended
 * together.
 *
 * DESCRIPTION
 *   The daemon's master (qmgr_thread.ts) and `mailsrv flush` without a
 *   daemon (one_shot_run.ts) serve the same four notices of a queue
 *   manager's thread (`smtp-client-start`/`-retire`,
 *   `local-delivery-start`/`-retire`) and report failures back the same
 *   way (agent_notice_threads.ts says how).
 */
import type { Config } from "../config/types.ts";
import {
  type AgentFailure,
  createAgentNoticeThreads,
  type DeliveryAgent,
  type LocalDeliveryNotice,
  type SmtpClientNotice,
} from "./agent_notice_threads.ts";

/** A notice of the queue manager's thread about its agents. */
export type DeliveryAgentNotice = SmtpClientNotice | LocalDeliveryNotice;

/** Both agents' Workers of one queue manager's thread. */
export interface DeliveryAgentThreads {
  /** Acts on a notice of the queue manager's thread. */
  handle(notice: DeliveryAgentNotice, config: Config): void;
  /** Ends every Worker (the queue manager's thread has ended). */
  end(): void;
}

/** How the Workers are run; tests substitute parts. */
export interface DeliveryAgentThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells the queue manager's thread (a Worker failed). */
  readonly tell: (message: AgentFailure<DeliveryAgent>) => void;
  /** Each agent's Deno permissions (default: the parent's, all). */
  readonly smtpClientPermissions?: (
    config: Config,
  ) => Deno.PermissionOptionsObject;
  readonly localDeliveryPermissions?: (
    config: Config,
  ) => Deno.PermissionOptionsObject;
  /** Local delivery's worker module (default: local_delivery_worker.ts). */
  readonly localDeliveryWorkerUrl?: URL;
}

/** Creates the (empty) sets of both agents' Workers. */
export function createDeliveryAgentThreads(
  options: DeliveryAgentThreadOptions,
): DeliveryAgentThreads {
  const smtpClients = createAgentNoticeThreads("smtp-client", {
    foreground: options.foreground,
    tell: options.tell,
    permissions: options.smtpClientPermissions,
  });
  const localDeliveries = createAgentNoticeThreads("local-delivery", {
    foreground: options.foreground,
    tell: options.tell,
    permissions: options.localDeliveryPermissions,
    workerUrl: options.localDeliveryWorkerUrl,
  });
  return {
    handle(notice, config) {
      if (
        notice.kind === "smtp-client-start" ||
        notice.kind === "smtp-client-retire"
      ) {
        smtpClients.handle(notice, config);
      } else localDeliveries.handle(notice, config);
    },
    end() {
      smtpClients.end();
      localDeliveries.end();
    },
  };
}
