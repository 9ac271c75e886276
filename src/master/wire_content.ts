/**
 * The content opener of a message that crossed to another thread.
 *
 * DESCRIPTION
 *   A delivery request crosses to an agent's Worker without its content
 *   opener (a function cannot be cloned): it carries where the content
 *   lies in the queue file (`source`), or its bytes when it is not in a
 *   queue file. `contentOf` makes the opener again, as
 *   queue/message_content.ts does in the queue manager's thread: content
 *   up to WHOLE_CONTENT_LIMIT is read once and served from memory, larger
 *   content is streamed from the file at every open.
 *
 *   Used by the SMTP client's and the local delivery Worker; needs read
 *   access to the queue file (active/).
 */
import { WHOLE_CONTENT_LIMIT } from "../queue/message_content.ts";
import { openContent, readContent } from "../queue/queue_file_reader.ts";
import type { ContentSource } from "../queue/delivery_contract.ts";
import { wholeContentOpener } from "../common/whole_content.ts";

/** What of a crossed message tells where its content is. */
export interface WireContent {
  readonly queueId: string;
  readonly source?: ContentSource;
  readonly bytes?: Uint8Array;
}

/** The content opener of a message that crossed. */
export function contentOf(
  message: WireContent,
): () => Promise<ReadableStream<Uint8Array>> {
  const source = message.source;
  let bytes = message.bytes;
  if (source === undefined) {
    return wholeContentOpener(() => bytes ?? new Uint8Array(0));
  }
  const { path, location } = source;
  if (location.size > WHOLE_CONTENT_LIMIT) {
    return () => Promise.resolve(openContent(path, message.queueId, location));
  }
  return wholeContentOpener(() =>
    bytes ??= readContent(path, message.queueId, location)
  );
}

/**
 * `message` without its content opener, as it crosses: the bytes go along
 * only when there is no queue file to read them from.
 */
export async function wireContent<
  M extends { readonly source?: ContentSource },
>(
  message: M & { readonly content: () => Promise<ReadableStream<Uint8Array>> },
): Promise<Omit<M, "content"> & { readonly bytes?: Uint8Array }> {
  const { content, ...rest } = message;
  if (rest.source !== undefined) return rest;
  const bytes = new Uint8Array(
    await new Response(await content()).arrayBuffer(),
  );
  return { ...rest, bytes };
}
