/**
 * The queue writer: how a new message becomes durable.
 *
 * DESCRIPTION
 *   A writer owns one staging file `tmp/<id>`, created exclusively (mode
 *   0600), or a spare the gate hands it (a retired queue file, which the
 *   writer overwrites from the start). The header goes first, then the
 *   content as the producer streams it; small writes are gathered into
 *   one buffer so that a typical message costs one write(2). `commit()`
 *   fills in the fixed-width size field, truncates the file to what was
 *   written (a spare may have held a longer message), fsyncs it, closes
 *   it, renames it into its queue (incoming/, or maildrop/ for local
 *   submission, or hold/ when the commit says so: an access map's or
 *   policy service's HOLD) and fsyncs that directory (group commit,
 *   src/fs/sync_directory.ts). A commit that brings a new envelope (the
 *   content checks' REDIRECT, BCC or FILTER, decided after the header
 *   was written) renames a second staging file instead, written with the
 *   new header and a copy of the content (`envelope_rewrite.ts`); the
 *   first is removed. A commit may also bring a trailer: header lines
 *   decided at the end of data (Authentication-Results), written after
 *   the content with their length in the header's fixed-width `trailer`
 *   field (version 4, reserved when the writer was opened), in the same
 *   fsync. Either way, only then does it resolve and tell the
 *   queue manager: a 250 reply after `commit()` promises a message that
 *   survives a crash.
 *
 *   Any failure (ENOSPC, EIO, …) closes and unlinks the staging file and
 *   is rethrown, so the SMTP side can answer 452 or 451 and nothing is left
 *   behind. `abort()` does the same on purpose (rejected or oversized
 *   message, client gone). Calls are serialized in arrival order; after
 *   commit, abort or a failure the writer accepts nothing more.
 *
 *   This is the only code that creates queue files (qmail's qmail-queue,
 *   Postfix's cleanup), and only the gate (enqueue.ts) uses it. It does
 *   not interpret the content: line ends, headers and size limits are the
 *   producer's business.
 */
import { createBufferPool } from "../common/buffer_pool.ts";
import { writeAllSync } from "../fs/write_all.ts";
import { encodeQueueFileHeader, encodeSizeField } from "./queue_file.ts";
import { rewriteEnvelope } from "./envelope_rewrite.ts";
import type { NewEnvelope, QueueWriter } from "./types.ts";

/** Content is gathered up to this many bytes before a write(2). */
export const WRITE_BUFFER_SIZE = 64 * 1024;

/** Buffers of finished writers, for the next messages. */
const writeBuffers = createBufferPool(WRITE_BUFFER_SIZE, 64);

const CLOSED_STATE = {
  committed: "committed",
  aborted: "aborted",
  failed: "discarded after an error",
} as const;

/**
 * The file operations a writer needs (a Deno.FsFile, or a test fake).
 * Writes and seeks are synchronous: a write(2) of one buffer to the page
 * cache costs microseconds, far less than handing it to another thread
 * and back. Only the fsync, which waits for the disk, is asynchronous, so
 * concurrent sessions overlap their waits.
 */
export type QueueFileHandle = Pick<
  Deno.FsFile,
  "writeSync" | "seekSync" | "truncateSync" | "sync" | "close"
>;

/** Everything a writer needs to know; supplied by the gate (enqueue.ts). */
export interface QueueWriterOptions {
  readonly id: string;
  readonly arrivalTime: number;
  readonly envelope: NewEnvelope;
  /** `tmp/<id>`. */
  readonly stagingPath: string;
  /** `incoming/<id>` (or `maildrop/<id>`). */
  readonly queuePath: string;
  /** The directory of `queuePath`, fsynced after the rename. */
  readonly queueDirectory: string;
  /** `hold/<id>` and its directory, for a commit that holds the message. */
  readonly hold?: { readonly path: string; readonly directory: string };
  /** Creates the staging file exclusively, mode 0600. */
  readonly createFile: (path: string) => QueueFileHandle;
  /**
   * Creates the second staging file of an envelope rewrite (default:
   * `createFile`; a spare's `createFile` only hands back the spare).
   */
  readonly createRewriteFile?: (path: string) => QueueFileHandle;
  readonly syncDirectory: (path: string) => Promise<void>;
  /** Called once the message is durable in its queue. */
  readonly committed: (id: string) => void;
}

/**
 * Whether `error` means the disk or quota is full (ENOSPC, EDQUOT): the
 * SMTP side answers 452 (insufficient system storage) rather than 451.
 */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Creates the staging file and returns a writer for it.
 * @throws whatever creating the file throws (nothing is left behind)
 */
export function createQueueWriter(
  options: QueueWriterOptions,
): QueueWriter {
  const header = encodeQueueFileHeader(
    options.id,
    options.arrivalTime,
    options.envelope,
  );
  const file = options.createFile(options.stagingPath);
  let state: "open" | "committed" | "aborted" | "failed" = "open";
  let open = true;
  let buffer = header.bytes.length <= WRITE_BUFFER_SIZE
    ? writeBuffers.take()
    : new Uint8Array(header.bytes.length);
  buffer.set(header.bytes);
  let buffered = header.bytes.length;
  /** Whether the header is still in the buffer (nothing written yet). */
  let headerBuffered = true;
  let size = 0;
  /** Bytes written to the file so far (header included). */
  let fileLength = 0;
  let tail: Promise<unknown> = Promise.resolve();

  /** Gives the buffer back once the writer is done with it. */
  const releaseBuffer = () => {
    writeBuffers.give(buffer);
    buffer = new Uint8Array(0);
  };

  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };

  const discard = () => {
    try {
      close();
    } finally {
      removeIfPresent(options.stagingPath);
    }
  };

  const flush = () => {
    if (buffered === 0) return;
    writeAllSync(file, buffer.subarray(0, buffered));
    fileLength += buffered;
    buffered = 0;
    headerBuffered = false;
  };

  const append = (chunk: Uint8Array) => {
    if (buffered + chunk.length <= buffer.length) {
      buffer.set(chunk, buffered);
      buffered += chunk.length;
    } else {
      flush();
      if (chunk.length >= buffer.length) {
        writeAllSync(file, chunk);
        fileLength += chunk.length;
      } else {
        buffer.set(chunk);
        buffered = chunk.length;
      }
    }
    size += chunk.length;
  };

  const finish = async (
    hold: boolean,
    envelope?: NewEnvelope,
    trailer?: Uint8Array,
  ) => {
    const into = hold
      ? options.hold ?? missingHold()
      : { path: options.queuePath, directory: options.queueDirectory };
    const sizeField = encodeSizeField(size);
    const trailerField = trailerFieldFor(trailer);
    if (trailer !== undefined && trailer.length > 0) {
      const contentSize = size;
      append(trailer);
      size = contentSize;
    }
    // A small message still has its header in the buffer: patch it there
    // and the whole file costs one write(2).
    const patchInBuffer = headerBuffered;
    if (patchInBuffer) {
      buffer.set(sizeField, header.sizeOffset);
      if (trailerField) buffer.set(trailerField, header.trailerOffset!);
    }
    flush();
    if (!patchInBuffer) {
      file.seekSync(header.sizeOffset, Deno.SeekMode.Start);
      writeAllSync(file, sizeField);
      if (trailerField) {
        file.seekSync(header.trailerOffset!, Deno.SeekMode.Start);
        writeAllSync(file, trailerField);
      }
    }
    // A reused spare may be longer than this message: cut its old tail.
    file.truncateSync(fileLength);
    let staged = options.stagingPath;
    if (envelope !== undefined) {
      // The envelope changed after the header was written: a new file
      // with the new header (no fsync of the old one: it is dropped).
      // The trailer field stays reserved, so the trailer is found again.
      const replacement = encodeQueueFileHeader(
        options.id,
        options.arrivalTime,
        options.envelope.trailer ? { ...envelope, trailer: true } : envelope,
      );
      replacement.bytes.set(encodeSizeField(size), replacement.sizeOffset);
      if (trailerField) {
        replacement.bytes.set(trailerField, replacement.trailerOffset!);
      }
      staged = await rewriteEnvelope({
        stagingPath: options.stagingPath,
        contentOffset: header.bytes.length,
        contentLength: size + (trailerField ? trailer!.length : 0),
        header: replacement.bytes,
        createFile: options.createRewriteFile ?? options.createFile,
      });
      close();
      removeIfPresent(options.stagingPath);
    } else {
      await file.sync();
      close();
    }
    Deno.renameSync(staged, into.path);
    try {
      await options.syncDirectory(into.directory);
    } catch (error) {
      // Not durable: withdraw it, so a failed reply never pairs with a
      // delivery the client will repeat. The manager may already hold it.
      try {
        removeIfPresent(into.path);
      } catch {
        // The failure reported is the fsync's.
      }
      throw error;
    }
  };

  /** Runs `step` after earlier calls; any failure discards the file. */
  const serialized = <T>(
    what: string,
    step: () => T | Promise<T>,
  ): Promise<T> => {
    const run = async () => {
      if (state !== "open") {
        throw new Error(
          `Queue file "${options.id}" was ${
            CLOSED_STATE[state]
          }; cannot ${what}`,
        );
      }
      try {
        return await step();
      } catch (error) {
        state = "failed";
        releaseBuffer();
        try {
          discard();
        } catch {
          // The failure reported is the step's.
        }
        throw error;
      }
    };
    const result = tail.then(run, run);
    tail = result.catch(() => {});
    return result;
  };

  /** The `trailer` field's digits for `trailer`, or null when none is written. */
  const trailerFieldFor = (trailer?: Uint8Array): Uint8Array | null => {
    if (trailer === undefined || trailer.length === 0) return null;
    if (header.trailerOffset === undefined) {
      throw new Error(
        `Queue file "${options.id}" was opened without a trailer field`,
      );
    }
    return encodeSizeField(trailer.length);
  };

  const missingHold = (): never => {
    throw new Error(`Queue file "${options.id}" has no hold queue to go to`);
  };

  return {
    id: options.id,
    get size() {
      return size;
    },
    write: (chunk) => serialized("write", () => append(chunk)),
    commit: async (commitOptions) => {
      const hold = commitOptions?.hold ?? false;
      await serialized("commit", async () => {
        await finish(hold, commitOptions?.envelope, commitOptions?.trailer);
        state = "committed";
        releaseBuffer();
      });
      // A held message waits for the administrator, not the manager.
      if (!hold) options.committed(options.id);
    },
    abort: () => {
      const run = () => {
        if (state !== "open") return;
        state = "aborted";
        releaseBuffer();
        discard();
      };
      const result = tail.then(run, run);
      tail = result.catch(() => {});
      return result;
    },
  };
}
