/**
 * The delivery agents as a queue manager's thread sees them: the SMTP
 * client's and local delivery's proxies, made and ended together.
 *
 * DESCRIPTION
 *   The daemon's queue manager (qmgr_worker.ts) and `mailsrv flush`
 *   without a daemon (one_shot_worker.ts) deliver through the same two
 *   Workers, started by their parent on demand (smtp_client_proxy.ts,
 *   local_delivery_proxy.ts). `createDeliveryAgentProxies` makes both
 *   with the parent's link, passes a parent's failure report to the one
 *   it concerns, and stops both.
 */
import type { Config } from "../config/types.ts";
import type { LocalAgent } from "../delivery/local_agents.ts";
import type { SmtpAgent } from "../delivery/smtp/smtp_agent.ts";
import type { Resubmit } from "../queue/enqueue.ts";
import {
  createLocalDeliveryProxy,
  linkLocalThroughParent,
} from "./local_delivery_proxy.ts";
import type {
  AgentFailure,
  DeliveryAgent,
  LocalDeliveryNotice,
  SmtpClientNotice,
} from "./agent_notice_threads.ts";
import {
  createSmtpClientProxy,
  linkThroughParent,
} from "./smtp_client_proxy.ts";

/** Both agents, and what their thread tells them. */
export interface DeliveryAgentProxies {
  readonly smtpAgent: SmtpAgent;
  readonly localAgent: LocalAgent;
  /** The parent says an agent's Worker failed (or never started). */
  failed(report: AgentFailure<DeliveryAgent>): void;
  /** Lets both Workers go (the thread stops). */
  stop(): void;
}

/**
 * Makes both proxies; no Worker starts before its first delivery.
 * @param post sends a start or retire notice (and its port) to the parent
 * @param config the configuration now, read at each idle check
 * @param resubmit writes mail local delivery forwards through this
 *   thread's gate
 */
export function createDeliveryAgentProxies(
  post: (
    notice: SmtpClientNotice | LocalDeliveryNotice,
    transfer?: Transferable[],
  ) => void,
  config: () => Config,
  resubmit: Resubmit,
): DeliveryAgentProxies {
  const maxIdleMs = () => config().max_idle * 1000;
  const smtpClient = createSmtpClientProxy(linkThroughParent(post), {
    maxIdleMs,
  });
  const localDelivery = createLocalDeliveryProxy(linkLocalThroughParent(post), {
    maxIdleMs,
    resubmit,
  });
  return {
    smtpAgent: smtpClient.agent,
    localAgent: localDelivery.agent,
    failed(report) {
      const proxy = report.kind === "smtp-client-failed"
        ? smtpClient
        : localDelivery;
      proxy.failed(report.generation, report.error);
    },
    stop() {
      smtpClient.stop();
      localDelivery.stop();
    },
  };
}
