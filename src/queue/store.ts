/**
 * The queue store: the queue directories and every operation on them.
 *
 * DESCRIPTION
 *   The queue is directories plus atomic rename (qmail INTERNALS, Postfix
 *   global/mail_queue.h). Under `queue_directory`:
 *
 *     maildrop/   local submissions, written while the daemon may be down
 *     incoming/   committed messages the queue manager has not taken yet
 *     active/     messages the queue manager is delivering
 *     deferred/   messages to retry; the file's mtime is the retry time
 *     hold/       messages put on hold by the administrator
 *     corrupt/    files the queue manager could not parse
 *     tmp/        staging for files being written; never acknowledged
 *     defer/      per-message deferral reasons (informational)
 *     pid/, private/   the master's pid file and control socket
 *
 *   Directories are created 0700, files 0600. A message's state is which
 *   directory its file sits in; moving it is one rename(2). Opening the
 *   store for the daemon empties tmp/ (those files never got a 250).
 *
 *   File operations are synchronous, except fsyncs. An open, a read or
 *   write of one buffer, a rename: each costs microseconds in the kernel,
 *   less than handing it to Deno's blocking thread pool and back (measured:
 *   an async open+read+close costs 8x the sync one). An fsync waits for
 *   the disk, so it stays asynchronous and concurrent commits overlap
 *   (Postfix's processes block on all of these, one message each).
 *
 *   Needs read and write permission on queue_directory, nothing else.
 *
 *   Used by the SMTP side (openWriter), the queue manager and `mailsrv
 *   queue`. It does no scheduling and no logging of deliveries; see
 *   manager.ts. File format: queue_file.ts and docs/queue-format.md.
 */
import { join } from "node:path";
import { syncDirectory } from "../fs/sync_directory.ts";
import {
  CorruptQueueFileError,
  findHeaderEnd,
  parseQueueFile,
  statusByte,
  statusFromByte,
} from "./queue_file.ts";
import { isQueueId, newQueueId } from "./queue_id.ts";
import { createQueueWriter, type QueueFileHandle } from "./queue_writer.ts";
import {
  type DeferReason,
  formatDeferReasons,
  parseDeferReasons,
} from "./defer_reasons.ts";
import type {
  Envelope,
  NewEnvelope,
  QueueName,
  QueueWriter,
  RecipientStatus,
} from "./types.ts";
import { maillog } from "../log/maillog.ts";

/** The queues that hold queue files, in `mailsrv queue` order. */
export const QUEUE_NAMES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
  "corrupt",
];

/** Every directory under `queue_directory` (`mailsrv check` creates them). */
export const QUEUE_DIRECTORIES: readonly string[] = [
  ...QUEUE_NAMES,
  "tmp",
  "defer",
  "pid",
  "private",
];

/** The first read of a header; larger headers are read in growing steps. */
const HEADER_READ_SIZE = 16 * 1024;
/** A header longer than this is corrupt (recipient lists are bounded). */
export const MAX_HEADER_SIZE = 8 * 1024 * 1024;
/** Content is streamed in chunks of this size. */
const CONTENT_CHUNK_SIZE = 64 * 1024;
const RCPT_PREFIX = new TextEncoder().encode("rcpt=");

/** How the store is opened; every field is optional. */
export interface QueueStoreOptions {
  /**
   * Empty tmp/ (default true). Only the daemon may, at start; tools that
   * run beside a live daemon (`mailsrv queue`, `sendmail`) pass false.
   */
  readonly clearStaging?: boolean;
  /** Queue ID source (default: the process-wide monotonic generator). */
  readonly newQueueId?: () => string;
  /** Milliseconds since the epoch, for arrival times. */
  readonly now?: () => number;
  /** Creates a staging file (tests inject faults here). */
  readonly createFile?: (path: string) => QueueFileHandle;
  /** Makes a directory's entries durable (default: group commit). */
  readonly syncDirectory?: (path: string) => Promise<void>;
  /**
   * Receives the name in tmp/ of each spent queue file this store retires
   * (default: kept as this store's own spare). The queue manager's thread
   * hands them to the SMTP side's store, which writes the new messages.
   */
  readonly retire?: (spare: string) => void;
  /**
   * Whether messages committed here are also removed here (default true).
   * The SMTP side's store passes false when the queue manager runs in
   * another thread: it then keeps no record of its commits.
   */
  readonly removesCommitted?: boolean;
}

/** Where a writer delivers its message. */
export interface OpenWriterOptions {
  /** `incoming` (default; the manager is told) or `maildrop`. */
  readonly queue?: "incoming" | "maildrop";
}

/** Where the content of a queue file lies. */
export type ContentLocation = Pick<Envelope, "contentOffset" | "size">;

function createStagingFile(path: string): Deno.FsFile {
  return Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
}

/**
 * Reopens a spare file for a new message. Its old content is overwritten
 * and cut at commit (the writer truncates to the length it wrote), not
 * dropped here: O_TRUNC would free every block only for the next message
 * to allocate them again, and freeing blocks is the expensive part.
 */
function reuseSpareFile(path: string): Deno.FsFile {
  return Deno.openSync(path, { write: true });
}

/**
 * Spent queue files kept in tmp/ for reuse. Creating a file costs far more
 * than truncating and renaming one on ext4 (measured here: ~590 µs of
 * system time against ~30 µs), so delivered messages hand their file to
 * the next message instead of being unlinked.
 */
const MAX_SPARE_FILES = 256;

/**
 * Messages committed by this process and never deferred have no defer
 * logfile, so removing them skips that (failing) unlink. Bounded: past
 * this many, messages are simply treated as possibly deferred.
 */
const MAX_FRESH_IDS = 100_000;

/** Reads up to `length` bytes at `offset`; shorter only at end of file. */
function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Uint8Array {
  const bytes = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < length) {
    const n = file.readSync(bytes.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

/** The on-disk queue under one `queue_directory`. */
export class QueueStore {
  readonly #listeners = new Set<(id: string) => void>();
  readonly #newQueueId: () => string;
  readonly #now: () => number;
  readonly #createFile: (path: string) => QueueFileHandle;
  readonly #syncDirectory: (path: string) => Promise<void>;
  /** Names in tmp/ of spent queue files ready for reuse. */
  readonly #spares: string[] = [];
  readonly #retire: (spare: string) => void;
  /** Committed here and never deferred: certainly no defer logfile. */
  readonly #fresh = new Set<string>();
  readonly #removesCommitted: boolean;

  private constructor(
    /** Absolute path of `queue_directory`. */
    readonly queueDirectory: string,
    options: QueueStoreOptions,
  ) {
    this.#newQueueId = options.newQueueId ?? newQueueId;
    this.#now = options.now ?? Date.now;
    this.#createFile = options.createFile ?? createStagingFile;
    this.#syncDirectory = options.syncDirectory ??
      ((path) => syncDirectory(path, { keepOpen: true }));
    this.#retire = options.retire ?? ((spare) => this.adoptSpare(spare));
    this.#removesCommitted = options.removesCommitted ?? true;
  }

  /**
   * Opens the queue under `queueDirectory`, creating missing directories
   * (0700) and, unless told otherwise, emptying tmp/.
   */
  static async open(
    queueDirectory: string,
    options: QueueStoreOptions = {},
  ): Promise<QueueStore> {
    const store = new QueueStore(queueDirectory, options);
    for (const name of QUEUE_DIRECTORIES) {
      await Deno.mkdir(join(queueDirectory, name), {
        recursive: true,
        mode: 0o700,
      });
    }
    if (options.clearStaging ?? true) {
      const tmp = join(queueDirectory, "tmp");
      for await (const entry of Deno.readDir(tmp)) {
        await Deno.remove(join(tmp, entry.name), { recursive: true });
      }
    }
    return store;
  }

  /** The directory of `queue` (or of tmp/, defer/). */
  directory(queue: QueueName | "tmp" | "defer"): string {
    return join(this.queueDirectory, queue);
  }

  /** The path of message `id` in `queue`. */
  path(queue: QueueName | "tmp" | "defer", id: string): string {
    return join(this.queueDirectory, queue, id);
  }

  /**
   * Starts a new message (implements `OpenQueueWriter`). Its queue ID is
   * fixed now; it reaches incoming/ only when the writer commits.
   */
  // deno-lint-ignore require-await -- a failure to create rejects
  async openWriter(
    envelope: NewEnvelope,
    options: OpenWriterOptions = {},
  ): Promise<QueueWriter> {
    const queue = options.queue ?? "incoming";
    const id = this.#newQueueId();
    const spare = this.#takeSpare();
    try {
      return this.#createWriter(id, queue, envelope, spare);
    } catch (error) {
      spare?.file.close();
      throw error;
    }
  }

  #createWriter(
    id: string,
    queue: "incoming" | "maildrop",
    envelope: NewEnvelope,
    spare: { path: string; file: Deno.FsFile } | undefined,
  ): QueueWriter {
    return createQueueWriter({
      id,
      arrivalTime: Math.floor(this.#now()),
      envelope,
      stagingPath: spare?.path ?? this.path("tmp", id),
      queuePath: this.path(queue, id),
      queueDirectory: this.directory(queue),
      createFile: spare ? () => spare.file : this.#createFile,
      syncDirectory: this.#syncDirectory,
      committed: queue === "incoming"
        ? (id) => {
          this.#rememberFresh(id);
          this.#notify(id);
        }
        : () => {},
    });
  }

  /** An open spare file, skipping any that vanished from tmp/. */
  #takeSpare(): { path: string; file: Deno.FsFile } | undefined {
    for (let spare = this.#spares.pop(); spare; spare = this.#spares.pop()) {
      const path = this.path("tmp", spare);
      try {
        return { path, file: reuseSpareFile(path) };
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  /**
   * Calls `listener` with the queue ID of each message committed to
   * incoming/ from now on, once it is durable.
   * @returns a function that ends the subscription
   */
  subscribe(listener: (id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Takes message `id`, committed to incoming/ by another store over the
   * same queue (the SMTP side's, in another thread), as if committed
   * here: subscribers are told.
   */
  announce(id: string): void {
    this.#rememberFresh(id);
    this.#notify(id);
  }

  #rememberFresh(id: string): void {
    if (this.#removesCommitted && this.#fresh.size < MAX_FRESH_IDS) {
      this.#fresh.add(id);
    }
  }

  /**
   * Keeps `spare`, a spent queue file in tmp/, for the next new message;
   * past MAX_SPARE_FILES it is unlinked instead, in the background: an
   * unlink frees blocks, slow enough to stall the sessions of this thread
   * after a burst. Never fails: a spare that cannot be unlinked is left
   * for tmp/ to be emptied at the next start.
   */
  adoptSpare(spare: string): void {
    if (this.#spares.length < MAX_SPARE_FILES) this.#spares.push(spare);
    else Deno.remove(this.path("tmp", spare)).catch(() => {});
  }

  #notify(id: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(id);
      } catch (error) {
        // The message is durable either way; a listener bug must not
        // turn a committed message into a failed reply.
        maillog("cleanup").error(
          `${id}: commit listener failed: ${(error as Error).message}`,
        );
      }
    }
  }

  /**
   * Reads and checks the header of message `id` in `queue` (not the
   * content).
   * @throws CorruptQueueFileError when the file cannot be trusted
   */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async readEnvelope(queue: QueueName, id: string): Promise<Envelope> {
    using file = Deno.openSync(this.path(queue, id), { read: true });
    const fileLength = file.statSync().size;
    let want = Math.min(fileLength, HEADER_READ_SIZE);
    let bytes = readAt(file, 0, want);
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
   * The content of message `id` as a stream (LF line ends), read in
   * chunks. The file is opened on the first read and closed at the end
   * or on cancel; a stream never read holds nothing open.
   */
  openContent(
    queue: QueueName,
    id: string,
    location: ContentLocation,
  ): ReadableStream<Uint8Array> {
    const path = this.path(queue, id);
    let file: Deno.FsFile | undefined;
    let remaining = location.size;
    const close = () => {
      file?.close();
      file = undefined;
      remaining = 0;
    };
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        try {
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
      cancel: close,
    }, { highWaterMark: 0 });
  }

  /**
   * The whole content of message `id` (LF line ends), read at once: for
   * messages small enough to hold in memory while they are delivered.
   */
  readContent(
    queue: QueueName,
    id: string,
    location: ContentLocation,
  ): Uint8Array {
    using file = Deno.openSync(this.path(queue, id), { read: true });
    const bytes = readAt(file, location.contentOffset, location.size);
    if (bytes.length < location.size) {
      throw new CorruptQueueFileError(
        `queue file "${id}" ends before its content does`,
      );
    }
    return bytes;
  }

  /**
   * Records `status` for the recipients whose status bytes lie at
   * `offsets`: one byte written in place per recipient, then one
   * fdatasync. Every offset is checked before anything is written.
   */
  async markRecipients(
    queue: QueueName,
    id: string,
    offsets: readonly number[],
    status: RecipientStatus,
  ): Promise<void> {
    if (offsets.length === 0) return;
    using file = Deno.openSync(this.path(queue, id), {
      read: true,
      write: true,
    });
    for (const offset of offsets) {
      const start = offset - RCPT_PREFIX.length;
      const bytes = start >= 0
        ? readAt(file, start, RCPT_PREFIX.length + 1)
        : new Uint8Array(0);
      const isStatus = bytes.length === RCPT_PREFIX.length + 1 &&
        RCPT_PREFIX.every((b, i) => bytes[i] === b) &&
        statusFromByte(bytes[RCPT_PREFIX.length]) !== undefined;
      if (!isStatus) {
        throw new CorruptQueueFileError(
          `no recipient status at offset ${offset} of queue file "${id}"`,
        );
      }
    }
    const byte = new Uint8Array([statusByte(status)]);
    for (const offset of offsets) {
      file.seekSync(offset, Deno.SeekMode.Start);
      if (file.writeSync(byte) !== 1) {
        throw new Error(`Short write to queue file "${id}"`);
      }
    }
    await file.syncData();
  }

  /** Moves message `id` from one queue to another (one rename). */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async move(id: string, from: QueueName, to: QueueName): Promise<void> {
    Deno.renameSync(this.path(from, id), this.path(to, id));
  }

  /** Sets the retry time of message `id` (its mtime, as Postfix does). */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async setRetryTime(
    queue: QueueName,
    id: string,
    timeMs: number,
  ): Promise<void> {
    const when = new Date(timeMs);
    Deno.utimeSync(this.path(queue, id), when, when);
  }

  /** The retry time (mtime) of message `id`; undefined if it is gone. */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async retryTime(queue: QueueName, id: string): Promise<number | undefined> {
    try {
      return Deno.statSync(this.path(queue, id)).mtime?.getTime();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Removes message `id` from `queue`, and its defer logfile if any. With
   * `durable`, resolves only once the removal is on disk (the directory is
   * fsynced, shared with concurrent removals): the removal itself is then
   * the record that every recipient is done.
   */
  async remove(
    queue: QueueName,
    id: string,
    options: { readonly durable?: boolean } = {},
  ): Promise<void> {
    this.#removeDeferReasons(id);
    // Recycled, not unlinked: the next message reuses the file. A crash
    // before this rename is durable leaves the file in its queue; tmp/ is
    // emptied at start, so a spare never outlives the daemon. Named after
    // the queue ID, which is never reused, so no two stores clash.
    const spare = `spare.${id}`;
    Deno.renameSync(this.path(queue, id), this.path("tmp", spare));
    this.#retire(spare);
    if (options.durable) await this.#syncDirectory(this.directory(queue));
  }

  /** Replaces the defer logfile of message `id` (not fsynced). */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async writeDeferReasons(
    id: string,
    reasons: readonly DeferReason[],
  ): Promise<void> {
    this.#fresh.delete(id);
    Deno.writeTextFileSync(
      this.path("defer", id),
      formatDeferReasons(reasons),
      { mode: 0o600 },
    );
  }

  /** Recipient → reason from the defer logfile; empty when there is none. */
  async readDeferReasons(id: string): Promise<Map<string, string>> {
    try {
      return parseDeferReasons(await Deno.readTextFile(this.path("defer", id)));
    } catch (error) {
      if (isNotFound(error)) return new Map();
      throw error;
    }
  }

  /** Removes the defer logfile of message `id`, if any. */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async removeDeferReasons(id: string): Promise<void> {
    this.#removeDeferReasons(id);
  }

  #removeDeferReasons(id: string): void {
    if (this.#fresh.delete(id)) return;
    try {
      Deno.removeSync(this.path("defer", id));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Whether any message waits in active/, incoming/ or deferred/: the
   * queues the queue manager works on.
   */
  hasMessages(): boolean {
    for (const queue of ["active", "incoming", "deferred"] as const) {
      for (const entry of Deno.readDirSync(this.directory(queue))) {
        if (entry.isFile && isQueueId(entry.name)) return true;
      }
    }
    return false;
  }

  /**
   * The queue IDs in `queue`, streamed from the directory in its own
   * order; names that are not queue IDs are skipped.
   */
  async *list(queue: QueueName): AsyncIterableIterator<string> {
    for await (const entry of Deno.readDir(this.directory(queue))) {
      if (entry.isFile && isQueueId(entry.name)) yield entry.name;
    }
  }
}
