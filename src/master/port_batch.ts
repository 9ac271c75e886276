/**
 * Requests and answers between a thread and its agent's Worker, one
 * MessagePort message per turn of the event loop.
 *
 * DESCRIPTION
 *   Each message over a port costs both threads a structured clone, a
 *   wake-up and an event dispatch (message_batch.ts). The queue manager
 *   hands the deliveries of one group-commit round of smtpd to local
 *   delivery in one turn, and local delivery answers those of one fsync
 *   round of a mailbox in one turn: `postPerTurn(port)` sends what was
 *   posted during a turn as one message, an array when there is more
 *   than one, and `eachPosted(data, handle)` on the other end hands each
 *   to `handle`, in order. A lone message travels as itself, so a peer
 *   that posts without batching is still understood.
 *
 *   Used by worker_peer.ts (the asking side) and worker_serve.ts (the
 *   serving side); every request and answer is an object, never an array.
 *   Does NOT post anything with a transfer list: what moves a stream or a
 *   port is posted directly.
 */
import { batchPerTurn, type MessageBatch } from "../common/message_batch.ts";

/**
 * What is posted on `port` during one turn of the event loop, posted as
 * one message at its end. Nothing is posted once `closed()` says so.
 */
export function postPerTurn<T extends object>(
  port: MessagePort,
  closed: () => boolean = () => false,
): MessageBatch<T> {
  return batchPerTurn<T>((messages) => {
    if (closed()) return;
    port.postMessage(messages.length === 1 ? messages[0] : messages);
  });
}

/** Hands each message that `data` (one message, or a turn's array) holds. */
export function eachPosted<T>(data: T | T[], handle: (message: T) => void) {
  if (!Array.isArray(data)) return handle(data);
  for (const message of data) handle(message);
}
