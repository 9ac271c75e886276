/**
 * The queue writer: how a new message becomes durable (the enqueue gate).
 *
 * DESCRIPTION
 *   A writer owns one staging file `tmp/<id>`, created exclusively (mode
 *   0600). The header goes first, then the content as the producer streams
 *   it; small writes are gathered into one buffer so that a typical
 *   message costs one write(2). `commit()` fills in the fixed-width size
 *   field, fsyncs the file, closes it, renames it into its queue
 *   (incoming/, or maildrop/ for local submission) and fsyncs that
 *   directory (group commit, src/fs/sync_directory.ts). Only then does
 *   it resolve and tell the queue manager: a 250 reply after `commit()`
 *   promises a message that survives a crash.
 *
 *   Any failure (ENOSPC, EIO, …) closes and unlinks the staging file and
 *   is rethrown, so the SMTP side can answer 452 or 451 and nothing is left
 *   behind. `abort()` does the same on purpose (rejected or oversized
 *   message, client gone). Calls are serialized in arrival order; after
 *   commit, abort or a failure the writer accepts nothing more.
 *
 *   This is the only code that creates queue files (qmail's qmail-queue,
 *   Postfix's cleanup). It does not interpret the content: line ends,
 *   headers and size limits are the producer's business.
 */
import { encodeQueueFileHeader, encodeSizeField } from "./queue_file.ts";
import type { NewEnvelope, QueueWriter } from "./types.ts";

/** Content is gathered up to this many bytes before a write(2). */
export const WRITE_BUFFER_SIZE = 64 * 1024;

const CLOSED_STATE = {
  committed: "committed",
  aborted: "aborted",
  failed: "discarded after an error",
} as const;

/** The file operations a writer needs (a Deno.FsFile, or a test fake). */
export type QueueFileHandle = Pick<
  Deno.FsFile,
  "write" | "seek" | "sync" | "close"
>;

/** Everything a writer needs to know; supplied by the queue store. */
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
  /** Creates the staging file exclusively, mode 0600. */
  readonly createFile: (path: string) => Promise<QueueFileHandle>;
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

async function writeAll(file: QueueFileHandle, bytes: Uint8Array) {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Creates the staging file and returns a writer for it.
 * @throws whatever creating the file throws (nothing is left behind)
 */
export async function createQueueWriter(
  options: QueueWriterOptions,
): Promise<QueueWriter> {
  const header = encodeQueueFileHeader(
    options.id,
    options.arrivalTime,
    options.envelope,
  );
  const file = await options.createFile(options.stagingPath);
  let state: "open" | "committed" | "aborted" | "failed" = "open";
  let open = true;
  let buffer = new Uint8Array(
    Math.max(WRITE_BUFFER_SIZE, header.bytes.length),
  );
  buffer.set(header.bytes);
  let buffered = header.bytes.length;
  /** Whether the header is still in the buffer (nothing written yet). */
  let headerBuffered = true;
  let size = 0;
  let tail: Promise<unknown> = Promise.resolve();

  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };

  const discard = async () => {
    try {
      close();
    } finally {
      await removeIfPresent(options.stagingPath);
    }
  };

  const flush = async () => {
    if (buffered === 0) return;
    await writeAll(file, buffer.subarray(0, buffered));
    buffered = 0;
    headerBuffered = false;
  };

  const append = async (chunk: Uint8Array) => {
    if (buffered + chunk.length <= buffer.length) {
      buffer.set(chunk, buffered);
      buffered += chunk.length;
    } else {
      await flush();
      if (chunk.length >= buffer.length) await writeAll(file, chunk);
      else {
        buffer.set(chunk);
        buffered = chunk.length;
      }
    }
    size += chunk.length;
  };

  const finish = async () => {
    const sizeField = encodeSizeField(size);
    // A small message still has its header in the buffer: patch it there
    // and the whole file costs one write(2).
    const patchInBuffer = headerBuffered;
    if (patchInBuffer) buffer.set(sizeField, header.sizeOffset);
    await flush();
    if (!patchInBuffer) {
      await file.seek(header.sizeOffset, Deno.SeekMode.Start);
      await writeAll(file, sizeField);
    }
    await file.sync();
    close();
    await Deno.rename(options.stagingPath, options.queuePath);
    try {
      await options.syncDirectory(options.queueDirectory);
    } catch (error) {
      // Not durable: withdraw it, so a failed reply never pairs with a
      // delivery the client will repeat. The manager may already hold it.
      await removeIfPresent(options.queuePath).catch(() => {});
      throw error;
    }
  };

  /** Runs `step` after earlier calls; any failure discards the file. */
  const serialized = <T>(what: string, step: () => Promise<T>): Promise<T> => {
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
        await discard().catch(() => {});
        throw error;
      }
    };
    const result = tail.then(run, run);
    tail = result.catch(() => {});
    return result;
  };

  return {
    id: options.id,
    get size() {
      return size;
    },
    write: (chunk) => serialized("write", () => append(chunk)),
    commit: async () => {
      await serialized("commit", async () => {
        await finish();
        state = "committed";
        buffer = new Uint8Array(0);
      });
      options.committed(options.id);
    },
    abort: () => {
      const run = async () => {
        if (state !== "open") return;
        state = "aborted";
        buffer = new Uint8Array(0);
        await discard();
      };
      const result = tail.then(run, run);
      tail = result.catch(() => {});
      return result;
    },
  };
}
