/**
 * A message content opener whose bytes are in memory, and the way to
 * reach those bytes without a stream.
 *
 * DESCRIPTION
 *   A delivery message's `content` opens a fresh ReadableStream at every
 *   call, as large messages need. Most messages are small and read whole
 *   into memory (`master/wire_content.ts`); for them the stream is pure
 *   overhead, paid twice per local delivery (the loop scan, then the
 *   mailbox copy).
 *
 *   `wholeContentOpener(read)` makes such an opener and remembers it;
 *   `wholeContentOf(message)` gives back `read` for a message whose
 *   `content` is one of these, else undefined (a streamed message, a
 *   test's own opener, or content someone replaced: a message built with
 *   another `content` is never mistaken for this one, since the opener
 *   itself is the key). Readers that use it must treat a throw of `read`
 *   as the stream's rejection.
 *
 *   Pure bookkeeping: reads nothing itself.
 */

/** What a delivery message's `content` is. */
export type ContentOpener = () => Promise<ReadableStream<Uint8Array>>;

const wholes = new WeakMap<ContentOpener, () => Uint8Array>();

/** A stream that yields `bytes` as one chunk. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * A content opener for content `read` gives whole (it may throw, and is
 * called at each open: memoize it there).
 */
export function wholeContentOpener(read: () => Uint8Array): ContentOpener {
  const open: ContentOpener = () => {
    try {
      return Promise.resolve(streamOf(read()));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  wholes.set(open, read);
  return open;
}

/**
 * The reader of `message`'s whole content when it is in memory, else
 * undefined (open the stream then).
 */
export function wholeContentOf(
  message: { readonly content: ContentOpener },
): (() => Uint8Array) | undefined {
  return wholes.get(message.content);
}
