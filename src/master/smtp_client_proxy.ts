/**
 * The SMTP client as the queue manager's thread sees it: an SmtpAgent
 * whose work is done in another Worker.
 *
 * DESCRIPTION
 *   The queue manager's thread has no net grant; the SMTP and LMTP client
 *   runs in a Worker of its own that may connect out and writes nothing
 *   (smtp_client_worker.ts). `createSmtpClientProxy(link)` returns an
 *   agent with the SMTP agent's signature for the router, so batching
 *   (one transaction per message and nexthop) and per-destination
 *   concurrency (destination_scheduler.ts) stay where they are; the
 *   session cache and DKIM signing live in the client.
 *
 *   The Worker is kept by worker_peer.ts: started (through `link.start`)
 *   by the first transaction, let go (`link.retire`) after max_idle with
 *   no transaction under way, as Postfix's smtp(8) exits after max_idle.
 *   Each transaction is one `deliver` request carrying the queue file's
 *   path and content position, the recipients, the nexthop and the
 *   transport; the configuration goes along once per configuration
 *   object. When the master reports that the client failed (`failed`),
 *   its transactions under way throw, so their recipients are deferred
 *   (4.3.0); the next one starts a new client.
 *
 *   Does NOT start or end Workers (the master does), nor retry.
 */
import type {
  SmtpAgent,
  SmtpDelivery,
  SmtpMessage,
} from "../delivery/smtp/smtp_agent.ts";
import {
  errorOfWire,
  type SmtpClientAnswer,
  type SmtpClientRequest,
  type WireSmtpMessage,
} from "./smtp_client_protocol.ts";
import {
  createWorkerPeer,
  type IdleOptions,
  linkByNotices,
  type WorkerLink,
} from "./worker_peer.ts";
import type { SmtpClientNotice } from "./agent_notice_threads.ts";

/** How the proxy reaches the master. */
export type SmtpClientLink = WorkerLink;

/** The proxy, and what its thread tells it. */
export interface SmtpClientProxy {
  /** The agent the router delivers through. */
  readonly agent: SmtpAgent;
  /** The master says client `generation` failed (or never started). */
  failed(generation: number, error: string): void;
  /** Let the client go (the queue manager's thread stops). */
  stop(): void;
}

/** Options of the proxy; tests make time pass. */
export type SmtpClientProxyOptions = IdleOptions;

/** `message` without its content opener, as the client takes it. */
async function wireMessage(message: SmtpMessage): Promise<WireSmtpMessage> {
  const { content, ...rest } = message;
  if (rest.source !== undefined) return rest;
  // Not from a queue file (a caller of the router's own): send the bytes.
  const bytes = new Uint8Array(
    await new Response(await content()).arrayBuffer(),
  );
  return { ...rest, bytes };
}

/**
 * The link of a thread whose parent starts and ends the client Worker on
 * its `smtp-client-start` and `smtp-client-retire` messages
 * (agent_notice_threads.ts): the queue manager's and the one-shot run's.
 */
export function linkThroughParent(
  post: (
    notice: SmtpClientNotice,
    transfer?: Transferable[],
  ) => void,
): SmtpClientLink {
  return linkByNotices(post, {
    start: "smtp-client-start",
    retire: "smtp-client-retire",
  });
}

/** Creates the proxy; no client starts before the first transaction. */
export function createSmtpClientProxy(
  link: SmtpClientLink,
  options: SmtpClientProxyOptions,
): SmtpClientProxy {
  const peer = createWorkerPeer<
    SmtpClientRequest,
    SmtpClientAnswer,
    SmtpDelivery
  >(link, {
    ...options,
    label: "the SMTP client thread",
    settle: (answer, resolve, reject) =>
      answer.kind === "delivered"
        ? resolve(answer.delivery)
        : reject(errorOfWire(answer.error)),
  });
  const agent: SmtpAgent = async (message, nexthop, config, service) => {
    const wire = await wireMessage(message);
    return await peer.ask(config, (numbers) => ({
      kind: "deliver",
      ...numbers,
      message: wire,
      nexthop,
      ...(service === undefined ? {} : { service }),
    }));
  };
  return { agent, failed: peer.failed, stop: peer.stop };
}
