/**
 * The content of a queued message as delivery agents read it.
 *
 * DESCRIPTION
 *   An agent may open the content more than once for one delivery (the
 *   local agent scans the headers for loops, then writes the mailbox).
 *   A message no larger than one read chunk is read from the queue file
 *   once, on the first open, and served from memory after that; the
 *   bytes live only as long as the delivery, so memory stays bounded by
 *   the delivery slots. Larger messages are streamed from the file on
 *   every open, chunk by chunk. Agents in this thread reach content in
 *   memory without a stream (`common/whole_content.ts`).
 */
import { wholeContentOpener } from "../common/whole_content.ts";
import type { ContentLocation, QueueStore } from "./store.ts";
import type { QueueName } from "./types.ts";

/** Content up to this size is read whole (the store's chunk size). */
export const WHOLE_CONTENT_LIMIT = 64 * 1024;

/**
 * Returns the `content` opener of a `DeliveryMessage` for message `id`.
 * @param location where the content lies in the queue file
 */
export function messageContent(
  store: QueueStore,
  queue: QueueName,
  id: string,
  location: ContentLocation,
): () => Promise<ReadableStream<Uint8Array>> {
  if (location.size > WHOLE_CONTENT_LIMIT) {
    return () => Promise.resolve(store.openContent(queue, id, location));
  }
  let bytes: Uint8Array | undefined;
  return wholeContentOpener(() =>
    bytes ??= store.readContent(queue, id, location)
  );
}
