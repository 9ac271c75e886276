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
 *   The first transaction makes a MessageChannel and asks the master,
 *   through `link.start`, to start a client on its other end (a Worker
 *   cannot grant a child more than it has itself, so only the master can
 *   start one with net). Requests posted meanwhile wait in the channel.
 *   Each transaction is one `deliver` request carrying the queue file's
 *   path and content position, the recipients, the nexthop and the
 *   transport; the configuration goes along once per configuration
 *   object (a reload makes a new one).
 *
 *   After max_idle with no transaction under way the client is let go
 *   (`link.retire`), as Postfix's smtp(8) exits after max_idle; the next
 *   transaction starts another. When the master reports that the client
 *   failed (`failed`), its transactions under way throw, so their
 *   recipients are deferred (4.3.0); the next one starts a new client.
 *
 *   Does NOT start or end Workers (the master does), nor retry.
 */
import type { Config } from "../config/types.ts";
import type { FromQueueManager } from "./qmgr_protocol.ts";
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

/** How the proxy reaches the master. */
export interface SmtpClientLink {
  /** Start a client Worker serving `port` (number `generation`). */
  start(generation: number, port: MessagePort): void;
  /** End client `generation`: nothing of it is under way. */
  retire(generation: number): void;
}

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
export interface SmtpClientProxyOptions {
  /** max_idle, in ms, read at each look. */
  readonly maxIdleMs: () => number;
  readonly now?: () => number;
  /** How often the idle watch looks (default 1 s). */
  readonly checkEveryMs?: number;
}

interface Waiting {
  readonly resolve: (delivery: SmtpDelivery) => void;
  readonly reject: (error: Error) => void;
}

interface Client {
  readonly generation: number;
  readonly port: MessagePort;
  readonly waiting: Map<number, Waiting>;
  /** The configuration last sent, and its number. */
  config?: Config;
  configId: number;
  lastUsed: number;
  timer?: ReturnType<typeof setInterval>;
}

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
 * (smtp_client_thread.ts): the queue manager's and the one-shot run's.
 */
export function linkThroughParent(
  post: (
    notice: Extract<
      FromQueueManager,
      { kind: "smtp-client-start" | "smtp-client-retire" }
    >,
    transfer?: Transferable[],
  ) => void,
): SmtpClientLink {
  return {
    start: (generation, port) =>
      post({ kind: "smtp-client-start", generation, port }, [port]),
    retire: (generation) => post({ kind: "smtp-client-retire", generation }),
  };
}

/** Creates the proxy; no client starts before the first transaction. */
export function createSmtpClientProxy(
  link: SmtpClientLink,
  options: SmtpClientProxyOptions,
): SmtpClientProxy {
  const now = options.now ?? Date.now;
  let client: Client | undefined;
  let generations = 0;
  let requests = 0;
  let configs = 0;

  const letGo = (gone: Client, error?: Error) => {
    if (client === gone) client = undefined;
    clearInterval(gone.timer);
    gone.port.onmessage = null;
    gone.port.close();
    for (const waiting of gone.waiting.values()) {
      waiting.reject(error ?? new Error("the SMTP client stopped"));
    }
    gone.waiting.clear();
  };

  const answered = (of: Client) => (event: MessageEvent<SmtpClientAnswer>) => {
    const answer = event.data;
    const waiting = of.waiting.get(answer.request);
    if (waiting === undefined) return;
    of.waiting.delete(answer.request);
    of.lastUsed = now();
    if (answer.kind === "delivered") waiting.resolve(answer.delivery);
    else waiting.reject(errorOfWire(answer.error));
  };

  const open = (): Client => {
    if (client !== undefined) return client;
    const channel = new MessageChannel();
    const fresh: Client = {
      generation: ++generations,
      port: channel.port1,
      waiting: new Map(),
      configId: 0,
      lastUsed: now(),
    };
    fresh.port.onmessage = answered(fresh);
    fresh.timer = setInterval(() => {
      if (fresh.waiting.size > 0) return;
      if (now() - fresh.lastUsed < options.maxIdleMs()) return;
      letGo(fresh);
      link.retire(fresh.generation);
    }, options.checkEveryMs ?? 1000);
    Deno.unrefTimer(fresh.timer);
    client = fresh;
    link.start(fresh.generation, channel.port2);
    return fresh;
  };

  const agent: SmtpAgent = async (message, nexthop, config, service) => {
    const wire = await wireMessage(message);
    const to = open();
    const request = ++requests;
    const fresh = to.config !== config;
    if (fresh) {
      to.config = config;
      to.configId = ++configs;
    }
    const asked: SmtpClientRequest = {
      kind: "deliver",
      request,
      message: wire,
      nexthop,
      ...(service === undefined ? {} : { service }),
      configId: to.configId,
      ...(fresh ? { config } : {}),
    };
    return await new Promise<SmtpDelivery>((resolve, reject) => {
      to.waiting.set(request, { resolve, reject });
      to.lastUsed = now();
      to.port.postMessage(asked);
    });
  };

  return {
    agent,
    failed(generation, error) {
      if (client?.generation !== generation) return;
      letGo(client, new Error(`the SMTP client thread failed: ${error}`));
    },
    stop() {
      const gone = client;
      if (gone === undefined) return;
      letGo(gone);
      link.retire(gone.generation);
    },
  };
}
