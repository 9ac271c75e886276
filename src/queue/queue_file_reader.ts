/**
 * Reading a queue file: its envelope, and its content whole or streamed.
 *
 * DESCRIPTION
 *   `readEnvelope` reads the header (first 16 KiB, more in growing steps
 *   up to MAX_HEADER_SIZE) and parses it with queue_file.ts, checking
 *   that the queue ID matches the file name. `readContent` reads the
 *   content at once, for messages small enough to hold while they are
 *   delivered; `openContent` streams it in 64 KiB chunks, opening the
 *   file on the first read, so a stream never read holds nothing open.
 *   Both put a version 4 file's trailer (header lines decided at the end
 *   of data) in front of the content, so every reader sees one message.
 *
 *   Reads are synchronous: one read(2) of a buffer costs less than a
 *   round trip through Deno's blocking thread pool (see store.ts).
 *
 *   Used by the store (store.ts); needs read permission on the queue.
 *   Does NOT write or move anything. Format: docs/queue-format.md.
 */
import {
  CorruptQueueFileError,
  findHeaderEnd,
  parseQueueFile,
} from "./queue_file.ts";
import type { Envelope } from "./types.ts";

/** The first read of a header; larger headers are read in growing steps. */
const HEADER_READ_SIZE = 16 * 1024;
/** A header longer than this is corrupt (recipient lists are bounded). */
export const MAX_HEADER_SIZE = 8 * 1024 * 1024;
/** Content is streamed in chunks of this size. */
const CONTENT_CHUNK_SIZE = 64 * 1024;

/** Where the content of a queue file lies. */
export type ContentLocation = Pick<
  Envelope,
  "contentOffset" | "size" | "trailerSize"
>;

/** The trailer's header lines (version 4), read before the content. */
function readTrailer(
  file: Deno.FsFile,
  id: string,
  location: ContentLocation,
): Uint8Array {
  const length = location.trailerSize ?? 0;
  if (length === 0) return new Uint8Array(0);
  const bytes = readAt(file, location.contentOffset + location.size, length);
  if (bytes.length < length) {
    throw new CorruptQueueFileError(
      `queue file "${id}" ends before its trailer does`,
    );
  }
  return bytes;
}

/** Reads up to `length` bytes at `offset`; shorter only at end of file. */
export function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Uint8Array {
  file.seekSync(offset, Deno.SeekMode.Start);
  return readOn(file, length);
}

/**
 * Reads up to `length` bytes from the file's position (no seek: a file
 * just opened is at its start); shorter only at end of file.
 */
function readOn(file: Deno.FsFile, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = file.readSync(bytes.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

/**
 * Reads and checks the header of queue file `path`, named `id` (not the
 * content).
 * @throws CorruptQueueFileError when the file cannot be trusted
 */
export function readEnvelope(path: string, id: string): Envelope {
  using file = Deno.openSync(path, { read: true });
  const fileLength = file.statSync().size;
  let want = Math.min(fileLength, HEADER_READ_SIZE);
  let bytes = readOn(file, want);
  while (
    findHeaderEnd(bytes) < 0 && want < fileLength && want < MAX_HEADER_SIZE
  ) {
    want = Math.min(fileLength, want * 4, MAX_HEADER_SIZE);
    bytes = readAt(file, 0, want);
  }
  const envelope = parseQueueFile(bytes, fileLength);
  if (envelope.id !== id) {
    throw new CorruptQueueFileError(
      `queue ID "${envelope.id}" does not match the file name`,
    );
  }
  return envelope;
}

/**
 * The content of queue file `path` (message `id`) as a stream (LF line
 * ends), read in chunks. The file is opened on the first read and closed
 * at the end or on cancel.
 */
export function openContent(
  path: string,
  id: string,
  location: ContentLocation,
): ReadableStream<Uint8Array> {
  let file: Deno.FsFile | undefined;
  let remaining = location.size;
  let trailerPending = (location.trailerSize ?? 0) > 0;
  const close = () => {
    file?.close();
    file = undefined;
    remaining = 0;
  };
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        if (trailerPending) {
          trailerPending = false;
          using trailerFile = Deno.openSync(path, { read: true });
          controller.enqueue(readTrailer(trailerFile, id, location));
          return;
        }
        if (remaining > 0 && !file) {
          file = Deno.openSync(path, { read: true });
          file.seekSync(location.contentOffset, Deno.SeekMode.Start);
        }
        if (remaining === 0 || !file) {
          close();
          controller.close();
          return;
        }
        const chunk = new Uint8Array(Math.min(CONTENT_CHUNK_SIZE, remaining));
        const n = file.readSync(chunk);
        if (n === null) {
          throw new CorruptQueueFileError(
            `queue file "${id}" ends before its content does`,
          );
        }
        remaining -= n;
        controller.enqueue(chunk.subarray(0, n));
        if (remaining === 0) {
          close();
          controller.close();
        }
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel: () => {
      trailerPending = false;
      close();
    },
  }, { highWaterMark: 0 });
}

/**
 * The whole content of queue file `path` (message `id`, LF line ends),
 * read at once.
 * @throws CorruptQueueFileError when the file ends early
 */
export function readContent(
  path: string,
  id: string,
  location: ContentLocation,
): Uint8Array {
  using file = Deno.openSync(path, { read: true });
  const bytes = readAt(file, location.contentOffset, location.size);
  if (bytes.length < location.size) {
    throw new CorruptQueueFileError(
      `queue file "${id}" ends before its content does`,
    );
  }
  const trailer = readTrailer(file, id, location);
  if (trailer.length === 0) return bytes;
  const whole = new Uint8Array(trailer.length + bytes.length);
  whole.set(trailer);
  whole.set(bytes, trailer.length);
  return whole;
}
