/**
 * Messages of the local delivery Worker with the queue manager's thread
 * that it delivers for; with the parent that starts it, it speaks
 * agent_worker_protocol.ts.
 *
 * The queue manager's thread (qmgr_worker.ts, or the one-shot run's
 * one_shot_worker.ts) asks its parent for a local delivery thread and
 * hands it one end of a MessageChannel; the parent starts the Worker
 * (agent_notice_threads.ts) and passes that end on. From then on the two
 * threads talk directly over the channel: one `deliver` per recipient
 * the router hands the local, virtual or a pipe agent, answered by
 * `delivered` (or `failed`) with the same `request`; a local delivery
 * says `written` first, once only making it durable is left. Mail the agents
 * forward goes the other way: `resubmit` carries the new envelope and
 * the content as a transferred stream, and the queue manager's thread
 * writes it through its gate and answers `resubmitted` (or
 * `resubmit-failed`). All of them are structured clones; the message
 * content stays in the queue file, which the Worker reads itself.
 */
import type { Config } from "../config/types.ts";
import type { LocalAgentRequest } from "../delivery/local_agents.ts";
import type { DeliveryMessage, DeliveryResult } from "../delivery/types.ts";
import type { WireError } from "./smtp_client_protocol.ts";

/**
 * A DeliveryMessage as it crosses: no content opener, but where the
 * content lies (`source`) or, for a message that is not in a queue
 * file, its bytes.
 */
export type WireDeliveryMessage = Omit<DeliveryMessage, "content"> & {
  readonly bytes?: Uint8Array;
};

/**
 * A LocalAgentRequest as it crosses: `written` (a function) stays on the
 * queue manager's side, told by the `written` answer.
 */
export type WireLocalAgentRequest = {
  [K in LocalAgentRequest["kind"]]:
    & Omit<Extract<LocalAgentRequest, { kind: K }>, "message" | "written">
    & { readonly message: WireDeliveryMessage };
}[LocalAgentRequest["kind"]];

/** From the queue manager's thread to the Worker, on the channel. */
export type LocalDeliveryRequest =
  | {
    readonly kind: "deliver";
    readonly request: number;
    readonly agent: WireLocalAgentRequest;
    /** The configuration's number; `config` comes with its first use. */
    readonly configId: number;
    readonly config?: Config;
  }
  /** Resubmission `resubmit` is durable as message `id`. */
  | {
    readonly kind: "resubmitted";
    readonly resubmit: number;
    readonly id: string;
  }
  | {
    readonly kind: "resubmit-failed";
    readonly resubmit: number;
    readonly error: WireError;
  };

/** From the Worker to the queue manager's thread, on the channel. */
export type LocalDeliveryAnswer =
  | {
    readonly kind: "delivered";
    readonly request: number;
    readonly result: DeliveryResult;
  }
  | {
    readonly kind: "failed";
    readonly request: number;
    readonly error: WireError;
  }
  /**
   * Local delivery `delivery` (a request's number; not `request`, which
   * would settle it) has written every target and now waits for the
   * disk: its recipient's concurrency slot can go.
   */
  | {
    readonly kind: "written";
    readonly delivery: number;
  }
  /**
   * Put this message through the queue's gate (resubmit.ts); `content`
   * is transferred, `Delivered-To:` already in front.
   */
  | {
    readonly kind: "resubmit";
    readonly resubmit: number;
    readonly sender: string;
    readonly recipients: readonly string[];
    readonly fromQueueId: string;
    readonly bodyType?: "7BIT" | "8BITMIME";
    readonly content: ReadableStream<Uint8Array>;
  };
