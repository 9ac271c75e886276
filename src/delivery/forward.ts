/**
 * Forwarding from a delivery agent: alias members and `.forward`
 * addresses that are not delivered here go back through the queue's
 * single gate as one new message, with a `Delivered-To:` header for the
 * recipient being expanded, so that a loop is caught when it returns.
 * Used by the local and the virtual agents.
 */
import type { Resubmit } from "../queue/enqueue.ts";
import { DeliveryError, type DeliveryMessage } from "./types.ts";

/** The content with a `Delivered-To:` header in front. */
function withDeliveredTo(
  message: DeliveryMessage,
): () => Promise<ReadableStream<Uint8Array>> {
  return async () => {
    const header = new TextEncoder().encode(
      `Delivered-To: ${message.recipient.toLowerCase()}\n`,
    );
    const reader = (await message.content()).getReader();
    // One chunk per pull: the stream never holds more than the reader asks.
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(header);
      },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  };
}

/**
 * Resubmits `message` for `addresses`.
 * @returns the maillog reason, `forwarded as NEWID`
 * @throws DeliveryError 4.3.0 when this process cannot resubmit
 */
export async function forward(
  addresses: readonly string[],
  message: DeliveryMessage,
  resubmit: Resubmit | undefined,
): Promise<string> {
  if (!resubmit) {
    throw new DeliveryError(
      "forwarding is not available in this process",
      true,
      "4.3.0",
    );
  }
  const id = await resubmit({
    sender: message.sender,
    recipients: addresses,
    fromQueueId: message.queueId,
    content: withDeliveredTo(message),
    bodyType: message.bodyType,
  });
  return `forwarded as ${id}`;
}
