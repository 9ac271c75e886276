/**
 * Copies a queued message into an open mailbox file, chunk by chunk.
 *
 * DESCRIPTION
 *   Used by the Maildir and mbox writers. The content stream is read one
 *   chunk at a time and each chunk is written before the next is read, so
 *   memory stays bounded whatever the message size. An optional transform
 *   (mboxrd quoting) sits between the queue and the file.
 *
 *   Failures are told apart: a failure to read the message (queue file
 *   unreadable, stream error) becomes a temporary `DeliveryError` with
 *   4.3.0 (a mail system problem, not the recipient's); a failure to write
 *   is rethrown as is, for the writer to classify (`mailbox_error.ts`).
 *
 *   With a size limit, a chunk that would make the file larger than the
 *   limit is not written: `MailboxLimitExceeded` is thrown instead
 *   (`mailbox_limit.ts`), and the writer undoes what it wrote.
 *
 *   Content already in memory (`common/whole_content.ts`) is written as
 *   it is, without a stream, when there is no transform: the same bytes,
 *   limit and errors as its stream's one chunk would give.
 */
import { wholeContentOf } from "../../common/whole_content.ts";
import { writeAllSync } from "../../fs/write_all.ts";
import { reasonOf } from "../mailbox_error.ts";
import { type MailboxLimit, refuseOverLimit } from "../mailbox_limit.ts";
import { DeliveryError, type DeliveryMessage } from "../types.ts";

function readError(message: DeliveryMessage, error: unknown): DeliveryError {
  return new DeliveryError(
    `cannot read message ${message.queueId}: ${reasonOf(error)}`,
    true,
    "4.3.0",
  );
}

/** `copyContent` of content in memory, written at once. */
function copyWholeContent(
  message: DeliveryMessage,
  whole: () => Uint8Array,
  file: Deno.FsFile,
  bound?: { readonly limit?: MailboxLimit; readonly sizeBefore: number },
  wrote?: (chunk: Uint8Array) => void,
): number {
  let bytes: Uint8Array;
  try {
    bytes = whole();
  } catch (error) {
    throw readError(message, error);
  }
  // As a stream of it would: no chunk at all when it is empty.
  if (bytes.length === 0) return 0;
  if (bound) refuseOverLimit(bound.limit, bound.sizeBefore + bytes.length);
  writeAllSync(file, bytes);
  wrote?.(bytes);
  return bytes.length;
}

/**
 * Streams the content of `message` into `file`.
 * @param transform applied to the content on its way (e.g. mboxrd quoting)
 * @param bound the file's size limit and its size before the content
 * @param wrote hears every chunk once it is written (e.g. a size counter)
 * @returns the number of bytes written
 */
export async function copyContent(
  message: DeliveryMessage,
  file: Deno.FsFile,
  transform?: TransformStream<Uint8Array, Uint8Array>,
  bound?: { readonly limit?: MailboxLimit; readonly sizeBefore: number },
  wrote?: (chunk: Uint8Array) => void,
): Promise<number> {
  const whole = transform ? undefined : wholeContentOf(message);
  if (whole) return copyWholeContent(message, whole, file, bound, wrote);
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = await message.content();
  } catch (error) {
    throw readError(message, error);
  }
  const reader = (transform ? stream.pipeThrough(transform) : stream)
    .getReader();
  let written = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw readError(message, error);
      }
      if (next.done) return written;
      if (bound) {
        refuseOverLimit(
          bound.limit,
          bound.sizeBefore + written + next.value.length,
        );
      }
      writeAllSync(file, next.value);
      wrote?.(next.value);
      written += next.value.length;
    }
  } catch (error) {
    // Release the queue file; the cancel reason is not reported anywhere.
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}
