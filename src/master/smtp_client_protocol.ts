/**
 * Messages of the SMTP client's Worker with the queue manager's thread
 * that it delivers for; with the parent that starts it, it speaks
 * agent_worker_protocol.ts.
 *
 * The queue manager's thread (qmgr_worker.ts) asks the master for a
 * client and hands it one end of a MessageChannel; the master starts the
 * Worker (agent_notice_threads.ts) and passes that end on. From then on
 * the two threads talk directly over the channel: one `deliver` per SMTP
 * transaction, answered by `delivered` (or `failed`) with the same
 * `request`. All of them are structured clones; the message content
 * stays in the queue file, which the client reads itself.
 */
import type { Config } from "../config/types.ts";
import { DeliveryError } from "../delivery/types.ts";
import type {
  SmtpDelivery,
  SmtpMessage,
  SmtpService,
} from "../delivery/smtp/smtp_agent.ts";

/**
 * An SmtpMessage as it crosses: no content opener, but where the content
 * lies (`source`) or, for a message that is not in a queue file, its
 * bytes.
 */
export type WireSmtpMessage = Omit<SmtpMessage, "content"> & {
  readonly bytes?: Uint8Array;
};

/** From the queue manager's thread to the client, on the channel. */
export type SmtpClientRequest = {
  readonly kind: "deliver";
  readonly request: number;
  readonly message: WireSmtpMessage;
  readonly nexthop: string;
  readonly service?: SmtpService;
  /** The configuration's number; `config` comes with its first use. */
  readonly configId: number;
  readonly config?: Config;
};

/** An agent's exception as it crosses (its class is lost otherwise). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** DeliveryError's. */
  readonly temporary?: boolean;
  readonly dsn?: string;
}

/** From the client to the queue manager's thread, on the channel. */
export type SmtpClientAnswer =
  | {
    readonly kind: "delivered";
    readonly request: number;
    readonly delivery: SmtpDelivery;
  }
  | {
    readonly kind: "failed";
    readonly request: number;
    readonly error: WireError;
  };

/** `error` as it can cross to another thread. */
export function wireError(error: unknown): WireError {
  if (error instanceof DeliveryError) {
    const { name, message, temporary, dsn } = error;
    return { name, message, temporary, dsn };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }
  return { name: "Error", message: String(error) };
}

/**
 * The exception a crossed error stands for: a DeliveryError and a
 * sandbox denial keep their class (the queue manager tells them apart).
 */
export function errorOfWire(wire: WireError): Error {
  if (wire.name === "DeliveryError") {
    return new DeliveryError(wire.message, wire.temporary ?? true, wire.dsn);
  }
  if (wire.name === "NotCapable") {
    return new Deno.errors.NotCapable(wire.message);
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}
