/**
 * Local delivery as the queue manager's thread sees it: a LocalAgent
 * whose work is done in another Worker.
 *
 * DESCRIPTION
 *   The queue manager's thread may not write a mailbox or run a command;
 *   the local, virtual and pipe agents run in a Worker of their own with
 *   the local role's grants (local_delivery_worker.ts).
 *   `createLocalDeliveryProxy(link, options)` returns an agent with the
 *   LocalAgent signature for the router, so resolving, the
 *   per-destination concurrency (local_destination_concurrency_limit,
 *   pipe maxproc), retries and bounces stay where they are.
 *
 *   The first delivery makes a MessageChannel and asks the parent,
 *   through `link.start`, to start a Worker on its other end (a Worker
 *   cannot grant a child more than it has itself, so only the master, or
 *   `mailsrv flush`, can start one that runs commands). Requests posted
 *   meanwhile wait in the channel. Each delivery is one `deliver` request
 *   with the message (the queue file's path and content position, not
 *   the content) and which agent; the configuration goes along once per
 *   configuration object (a reload makes a new one). Mail the agents
 *   forward comes back as `resubmit`, which this side writes through
 *   `options.resubmit` (the queue's gate of this thread) and answers.
 *
 *   After max_idle with nothing under way the Worker is let go
 *   (`link.retire`), as Postfix's local(8) exits after max_idle; the next
 *   delivery starts another. When the parent reports that the Worker
 *   failed (`failed`), its deliveries under way throw, so their
 *   recipients are deferred (4.3.0), and a resubmission it was streaming
 *   is abandoned (the half-written queue file is discarded). The next
 *   delivery starts a new Worker, after the restart backoff
 *   (restart_backoff.ts: 1 s doubling to 60 s), so one that keeps failing
 *   is not restarted at every recipient; deliveries meanwhile wait.
 *
 *   Does NOT start or end Workers (the parent does), nor retry.
 */
import type { Config } from "../config/types.ts";
import type { LocalAgent } from "../delivery/local_agents.ts";
import type { DeliveryResult } from "../delivery/types.ts";
import type { Resubmit } from "../queue/enqueue.ts";
import type {
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
  WireLocalAgentRequest,
} from "./local_delivery_protocol.ts";
import type { FromQueueManager } from "./qmgr_protocol.ts";
import { createRestartBackoff } from "./restart_backoff.ts";
import { errorOfWire, wireError } from "./smtp_client_protocol.ts";
import { wireContent } from "./wire_content.ts";

/** How the proxy reaches its parent. */
export interface LocalDeliveryLink {
  /** Start a local delivery Worker serving `port` (number `generation`). */
  start(generation: number, port: MessagePort): void;
  /** End Worker `generation`: nothing of it is under way. */
  retire(generation: number): void;
}

/** The proxy, and what its thread tells it. */
export interface LocalDeliveryProxy {
  /** The agent the router delivers through. */
  readonly agent: LocalAgent;
  /** The parent says Worker `generation` failed (or never started). */
  failed(generation: number, error: string): void;
  /** Let the Worker go (the queue manager's thread stops). */
  stop(): void;
}

/** Options of the proxy; tests make time pass. */
export interface LocalDeliveryProxyOptions {
  /** Writes forwarded mail through this thread's gate. */
  readonly resubmit: Resubmit;
  /** max_idle, in ms, read at each look. */
  readonly maxIdleMs: () => number;
  readonly now?: () => number;
  /** How often the idle watch looks (default 1 s). */
  readonly checkEveryMs?: number;
  /** Pause before the first restart after a failure (restart_backoff.ts). */
  readonly restartDelayMs?: number;
}

interface Waiting {
  readonly resolve: (result: DeliveryResult) => void;
  readonly reject: (error: Error) => void;
}

interface LocalThread {
  readonly generation: number;
  readonly port: MessagePort;
  readonly waiting: Map<number, Waiting>;
  /** Content streams of resubmissions under way, to end on a failure. */
  readonly streaming: Set<ReadableStreamDefaultController<Uint8Array>>;
  /** The configuration last sent, and its number. */
  config?: Config;
  configId: number;
  lastUsed: number;
  timer?: ReturnType<typeof setInterval>;
  /** The start, while it waits for the restart backoff. */
  starting?: ReturnType<typeof setTimeout>;
}

/**
 * The link of a thread whose parent starts and ends the Worker on its
 * `local-delivery-start` and `local-delivery-retire` messages
 * (local_delivery_thread.ts): the queue manager's and the one-shot run's.
 */
export function linkLocalThroughParent(
  post: (
    notice: Extract<
      FromQueueManager,
      { kind: "local-delivery-start" | "local-delivery-retire" }
    >,
    transfer?: Transferable[],
  ) => void,
): LocalDeliveryLink {
  return {
    start: (generation, port) =>
      post({ kind: "local-delivery-start", generation, port }, [port]),
    retire: (generation) => post({ kind: "local-delivery-retire", generation }),
  };
}

/**
 * `stream`, ended with `error` when its Worker fails: a stream
 * transferred from a Worker that is terminated never ends by itself.
 */
function abandonable(
  stream: ReadableStream<Uint8Array>,
  streaming: Set<ReadableStreamDefaultController<Uint8Array>>,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let held: ReadableStreamDefaultController<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      held = controller;
      streaming.add(controller);
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          streaming.delete(controller);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        streaming.delete(controller);
        controller.error(error);
      }
    },
    cancel(reason) {
      if (held) streaming.delete(held);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** Creates the proxy; no Worker starts before the first delivery. */
export function createLocalDeliveryProxy(
  link: LocalDeliveryLink,
  options: LocalDeliveryProxyOptions,
): LocalDeliveryProxy {
  const now = options.now ?? Date.now;
  const backoff = createRestartBackoff({
    firstDelayMs: options.restartDelayMs,
  });
  let worker: LocalThread | undefined;
  /** No Worker starts before this time (after a failure). */
  let notBefore = 0;
  let generations = 0;
  let requests = 0;
  let configs = 0;

  const letGo = (gone: LocalThread, error?: Error) => {
    if (worker === gone) worker = undefined;
    clearInterval(gone.timer);
    clearTimeout(gone.starting);
    gone.port.onmessage = null;
    gone.port.close();
    const why = error ?? new Error("the local delivery thread stopped");
    for (const waiting of gone.waiting.values()) waiting.reject(why);
    gone.waiting.clear();
    for (const controller of gone.streaming) controller.error(why);
    gone.streaming.clear();
  };

  /** Writes a resubmission of `of` through the gate and answers it. */
  const resubmit = async (
    of: LocalThread,
    asked: Extract<LocalDeliveryAnswer, { kind: "resubmit" }>,
  ) => {
    const content = abandonable(asked.content, of.streaming);
    let answer: LocalDeliveryRequest;
    try {
      const id = await options.resubmit({
        sender: asked.sender,
        recipients: asked.recipients,
        fromQueueId: asked.fromQueueId,
        ...(asked.bodyType === undefined ? {} : { bodyType: asked.bodyType }),
        content: () => Promise.resolve(content),
      });
      answer = { kind: "resubmitted", resubmit: asked.resubmit, id };
    } catch (error) {
      // Not read to its end: the Worker's file is closed.
      content.cancel().catch(() => {});
      answer = {
        kind: "resubmit-failed",
        resubmit: asked.resubmit,
        error: wireError(error),
      };
    }
    if (worker === of) of.port.postMessage(answer);
  };

  const answered =
    (of: LocalThread) => (event: MessageEvent<LocalDeliveryAnswer>) => {
      const answer = event.data;
      if (answer.kind === "resubmit") return void resubmit(of, answer);
      const waiting = of.waiting.get(answer.request);
      if (waiting === undefined) return;
      of.waiting.delete(answer.request);
      of.lastUsed = now();
      if (answer.kind === "delivered") waiting.resolve(answer.result);
      else waiting.reject(errorOfWire(answer.error));
    };

  const open = (): LocalThread => {
    if (worker !== undefined) return worker;
    const channel = new MessageChannel();
    const fresh: LocalThread = {
      generation: ++generations,
      port: channel.port1,
      waiting: new Map(),
      streaming: new Set(),
      configId: 0,
      lastUsed: now(),
    };
    fresh.port.onmessage = answered(fresh);
    fresh.timer = setInterval(() => {
      if (fresh.waiting.size > 0 || fresh.starting !== undefined) return;
      if (now() - fresh.lastUsed < options.maxIdleMs()) return;
      letGo(fresh);
      link.retire(fresh.generation);
    }, options.checkEveryMs ?? 1000);
    Deno.unrefTimer(fresh.timer);
    worker = fresh;
    const start = () => {
      fresh.starting = undefined;
      backoff.started(now());
      link.start(fresh.generation, channel.port2);
    };
    const wait = notBefore - now();
    if (wait <= 0) start();
    else fresh.starting = setTimeout(start, wait);
    return fresh;
  };

  const agent: LocalAgent = async (asked, config) => {
    const message = await wireContent(asked.message);
    const to = open();
    const request = ++requests;
    const fresh = to.config !== config;
    if (fresh) {
      to.config = config;
      to.configId = ++configs;
    }
    const crossing: LocalDeliveryRequest = {
      kind: "deliver",
      request,
      agent: { ...asked, message } as WireLocalAgentRequest,
      configId: to.configId,
      ...(fresh ? { config } : {}),
    };
    return await new Promise<DeliveryResult>((resolve, reject) => {
      to.waiting.set(request, { resolve, reject });
      to.lastUsed = now();
      to.port.postMessage(crossing);
    });
  };

  return {
    agent,
    failed(generation, error) {
      if (worker?.generation !== generation) return;
      notBefore = now() + backoff.failed(now());
      letGo(
        worker,
        new Error(`the local delivery thread failed: ${error}`),
      );
    },
    stop() {
      const gone = worker;
      if (gone === undefined) return;
      const started = gone.starting === undefined;
      letGo(gone);
      if (started) link.retire(gone.generation);
    },
  };
}
