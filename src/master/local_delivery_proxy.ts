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
 *   The Worker is kept by worker_peer.ts: started (through `link.start`;
 *   a Worker cannot grant a child more than it has itself, so only the
 *   master, or `mailsrv flush`, can start one that runs commands) by the
 *   first delivery, let go (`link.retire`) after max_idle with nothing
 *   under way, as Postfix's local(8) exits after max_idle. Each delivery
 *   is one `deliver` request with the message (the queue file's path and
 *   content position, not the content) and which agent; the
 *   configuration goes along once per configuration object. Mail the
 *   agents forward comes back as `resubmit`, which this side writes
 *   through `options.resubmit` (the queue's gate of this thread) and
 *   answers.
 *
 *   When the parent reports that the Worker failed (`failed`), its
 *   deliveries under way throw, so their recipients are deferred (4.3.0),
 *   and a resubmission it was streaming is abandoned (the half-written
 *   queue file is discarded). The next delivery starts a new Worker,
 *   after the restart backoff (restart_backoff.ts: 1 s doubling to 60 s),
 *   so one that keeps failing is not restarted at every recipient;
 *   deliveries meanwhile wait.
 *
 *   Does NOT start or end Workers (the parent does), nor retry.
 */
import type { LocalAgent } from "../delivery/local_agents.ts";
import type { DeliveryResult } from "../delivery/types.ts";
import type { Resubmit } from "../queue/enqueue.ts";
import type {
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
  WireLocalAgentRequest,
} from "./local_delivery_protocol.ts";
import { errorOfWire, wireError } from "./smtp_client_protocol.ts";
import { wireContent } from "./wire_content.ts";
import {
  createWorkerPeer,
  type IdleOptions,
  linkByNotices,
  type PeerWorker,
  type WorkerLink,
} from "./worker_peer.ts";
import type { LocalDeliveryNotice } from "./agent_notice_threads.ts";

/** How the proxy reaches its parent. */
export type LocalDeliveryLink = WorkerLink;

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
export interface LocalDeliveryProxyOptions extends IdleOptions {
  /** Writes forwarded mail through this thread's gate. */
  readonly resubmit: Resubmit;
  /** Pause before the first restart after a failure (restart_backoff.ts). */
  readonly restartDelayMs?: number;
}

/** A resubmission the Worker asks for. */
type Resubmission = Extract<LocalDeliveryAnswer, { kind: "resubmit" }>;

/** What the Worker sends besides the answers to requests. */
type Unasked = Extract<LocalDeliveryAnswer, { kind: "resubmit" | "written" }>;

/**
 * The link of a thread whose parent starts and ends the Worker on its
 * `local-delivery-start` and `local-delivery-retire` messages
 * (agent_notice_threads.ts): the queue manager's and the one-shot run's.
 */
export function linkLocalThroughParent(
  post: (
    notice: LocalDeliveryNotice,
    transfer?: Transferable[],
  ) => void,
): LocalDeliveryLink {
  return linkByNotices(post, {
    start: "local-delivery-start",
    retire: "local-delivery-retire",
  });
}

/**
 * `stream`, ended with the error that let its Worker go once `gone` is
 * aborted: a stream transferred from a Worker that is terminated never
 * ends by itself.
 */
function abandonable(
  stream: ReadableStream<Uint8Array>,
  gone: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let abandon = () => {};
  const forget = () => gone.removeEventListener("abort", abandon);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      abandon = () => controller.error(gone.reason);
      gone.addEventListener("abort", abandon);
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          forget();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        forget();
        controller.error(error);
      }
    },
    cancel(reason) {
      forget();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** `message` without its content opener (a function cannot cross). */
function withoutOpener<M extends { readonly content: unknown }>(
  message: M,
): Omit<M, "content"> {
  const { content: _, ...rest } = message;
  return rest;
}

/** Writes resubmission `asked` of `from` through `resubmit`; answers it. */
async function resubmitFor(
  resubmit: Resubmit,
  from: PeerWorker<LocalDeliveryRequest>,
  asked: Resubmission,
): Promise<void> {
  const content = abandonable(asked.content, from.gone);
  let answer: LocalDeliveryRequest;
  try {
    const id = await resubmit({
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
  from.post(answer);
}

/** Creates the proxy; no Worker starts before the first delivery. */
export function createLocalDeliveryProxy(
  link: LocalDeliveryLink,
  options: LocalDeliveryProxyOptions,
): LocalDeliveryProxy {
  // The `written` callbacks of local deliveries under way, by request.
  const writtenOf = new Map<number, () => void>();
  const peer = createWorkerPeer<
    LocalDeliveryRequest,
    Exclude<LocalDeliveryAnswer, Unasked>,
    DeliveryResult,
    Unasked
  >(link, {
    ...options,
    label: "the local delivery thread",
    backoff: { firstDelayMs: options.restartDelayMs },
    settle: (answer, resolve, reject) =>
      answer.kind === "delivered"
        ? resolve(answer.result)
        : reject(errorOfWire(answer.error)),
    unasked: (asked, from) =>
      asked.kind === "written"
        ? writtenOf.get(asked.delivery)?.()
        : void resubmitFor(options.resubmit, from, asked),
  });
  const agent: LocalAgent = async (asked, config) => {
    // A queued message crosses as it is, without its opener, at once.
    const message = asked.message.source === undefined
      ? await wireContent(asked.message)
      : withoutOpener(asked.message);
    // `written` stays here (a function cannot cross); the Worker's
    // `written` notice calls it.
    const { written, ...wire } = asked.kind === "local"
      ? asked
      : { ...asked, written: undefined };
    let request = 0;
    try {
      return await peer.ask(config, (numbers) => {
        request = numbers.request;
        if (written) writtenOf.set(request, written);
        return {
          kind: "deliver",
          ...numbers,
          agent: { ...wire, message } as WireLocalAgentRequest,
        };
      });
    } finally {
      writtenOf.delete(request);
    }
  };
  return { agent, failed: peer.failed, stop: peer.stop };
}
