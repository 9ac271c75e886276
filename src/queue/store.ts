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
 *   store for the daemon empties tmp/ (those files never got a 250, and
 *   spares never outlive the daemon).
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
 *   The store is the queue seen from the inside: recovery at start, the
 *   status of each message (which directory, its envelope and recipient
 *   marks, its retry time and defer reasons), moves and removal. Each
 *   idea has its own file: queue_file_reader.ts (envelopes, content),
 *   recipient_marks.ts, defer_logfiles.ts, spare_pool.ts,
 *   commit_notices.ts.
 *
 *   Used by the queue manager, `mailsrv queue` and the master. It does
 *   NOT create messages: the gate (enqueue.ts) is the only way in; it
 *   takes spares from this store and announces its commits through it.
 *   No scheduling and no logging of deliveries either (manager.ts). File
 *   format: queue_file.ts and docs/queue-format.md.
 */
import { join } from "node:path";
import { rawFileReader } from "../fs/raw_file_reader.ts";
import { syncDirectory } from "../fs/sync_directory.ts";
import { CommitNotices } from "./commit_notices.ts";
import type { DeferReason } from "./defer_reasons.ts";
import { DeferLogfiles } from "./defer_logfiles.ts";
import {
  type ContentLocation,
  openContent,
  readContent,
  readEnvelope,
} from "./queue_file_reader.ts";
import { isQueueId } from "./queue_id.ts";
import { markDelayWarned, markRecipients } from "./recipient_marks.ts";
import { type SpareFile, SparePool } from "./spare_pool.ts";
import type { Envelope, QueueName, RecipientStatus } from "./types.ts";

export type { ContentLocation } from "./queue_file_reader.ts";

/** A file name that join() would leave as it is (no `/`, not `.`, `..`). */
function isPlainName(name: string): boolean {
  return name.length > 0 && !name.includes("/") && name !== "." &&
    name !== "..";
}

/**
 * How long a durable removal waits for others to share its directory
 * fsync: removals come one at a time, milliseconds apart, and nothing
 * is acknowledged on them (sync_directory.ts).
 */
const REMOVAL_GATHER_MS = 5;

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

/** How the store is opened; every field is optional. */
export interface QueueStoreOptions {
  /**
   * Empty tmp/ (default true). Only the daemon may, at start; tools that
   * run beside a live daemon (`mailsrv queue`, `sendmail`) pass false.
   */
  readonly clearStaging?: boolean;
  /** Makes a directory's entries durable (default: group commit). */
  readonly syncDirectory?: (path: string) => Promise<void>;
  /**
   * Receives the name in tmp/ of each spent queue file this store retires
   * (default: kept as this store's own spare). The queue manager's thread
   * hands them to the SMTP side's store, whose gate writes new messages.
   */
  readonly retire?: (spare: string) => void;
  /**
   * Whether messages committed here are also removed here (default true).
   * The SMTP side's store passes false when the queue manager runs in
   * another thread: it then keeps no record of its commits.
   */
  readonly removesCommitted?: boolean;
}

/** The on-disk queue under one `queue_directory`. */
export class QueueStore {
  readonly #notices = new CommitNotices();
  readonly #syncDirectory: (path: string) => Promise<void>;
  readonly #spares: SparePool;
  readonly #retire: (spare: string) => void;
  readonly #deferLogfiles: DeferLogfiles;
  readonly #removesCommitted: boolean;
  /** Each queue's directory, joined once (paths are made per message). */
  readonly #directories = new Map<string, string>();

  private constructor(
    /** Absolute path of `queue_directory`. */
    readonly queueDirectory: string,
    options: QueueStoreOptions,
  ) {
    this.#syncDirectory = options.syncDirectory ??
      ((path) =>
        syncDirectory(path, { keepOpen: true, gatherMs: REMOVAL_GATHER_MS }));
    this.#spares = new SparePool(this.directory("tmp"));
    this.#retire = options.retire ?? ((spare) => this.adoptSpare(spare));
    this.#deferLogfiles = new DeferLogfiles(this.directory("defer"));
    this.#removesCommitted = options.removesCommitted ?? true;
  }

  /**
   * Opens the queue under `queueDirectory`, creating missing directories
   * (0700) and, unless told otherwise, emptying tmp/ (recovery: what is
   * there was never acknowledged, or is a spare).
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
    let directory = this.#directories.get(queue);
    if (directory === undefined) {
      directory = join(this.queueDirectory, queue);
      this.#directories.set(queue, directory);
    }
    return directory;
  }

  /** The path of message `id` in `queue`. */
  path(queue: QueueName | "tmp" | "defer", id: string): string {
    // A plain name needs no normalizing; anything else is joined.
    return isPlainName(id)
      ? `${this.directory(queue)}/${id}`
      : join(this.queueDirectory, queue, id);
  }

  /**
   * Calls `listener` with the queue ID of each message committed to
   * incoming/ from now on, once it is durable.
   * @returns a function that ends the subscription
   */
  subscribe(listener: (id: string) => void): () => void {
    return this.#notices.subscribe(listener);
  }

  /**
   * Tells subscribers that message `id` is durable in incoming/: called
   * by the gate at each commit, and for messages another thread's gate
   * committed to the same queue (the SMTP side's).
   */
  announce(id: string): void {
    if (this.#removesCommitted) this.#deferLogfiles.committed(id);
    this.#notices.announce(id);
  }

  /** An open spare file for the gate's next message, if any. */
  takeSpare(): SpareFile | undefined {
    return this.#spares.take();
  }

  /**
   * Keeps `spare`, a spent queue file in tmp/, for the gate's next new
   * message (spare_pool.ts). Never fails.
   */
  adoptSpare(spare: string): void {
    this.#spares.adopt(spare);
  }

  /**
   * Reads and checks the header of message `id` in `queue` (not the
   * content).
   * @throws CorruptQueueFileError when the file cannot be trusted
   */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async readEnvelope(queue: QueueName, id: string): Promise<Envelope> {
    return readEnvelope(this.path(queue, id), id);
  }

  /**
   * The content of message `id` as a stream (LF line ends), read in
   * chunks; a stream never read holds nothing open.
   */
  openContent(
    queue: QueueName,
    id: string,
    location: ContentLocation,
  ): ReadableStream<Uint8Array> {
    return openContent(this.path(queue, id), id, location);
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
    return readContent(this.path(queue, id), id, location);
  }

  /**
   * Records `status` for the recipients whose status bytes lie at
   * `offsets` (recipient_marks.ts): one fdatasync for all.
   */
  markRecipients(
    queue: QueueName,
    id: string,
    offsets: readonly number[],
    status: RecipientStatus,
  ): Promise<void> {
    return markRecipients(this.path(queue, id), id, offsets, status);
  }

  /**
   * Records that a delay notice went out for the pending recipients at
   * `offsets` (status `W`, recipient_marks.ts); not synced.
   */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async markDelayWarned(
    queue: QueueName,
    id: string,
    offsets: readonly number[],
  ): Promise<void> {
    markDelayWarned(this.path(queue, id), id, offsets);
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
      if (error instanceof Deno.errors.NotFound) return undefined;
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
    this.#deferLogfiles.remove(id);
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
    this.#deferLogfiles.write(id, reasons);
  }

  /** Recipient → reason from the defer logfile; empty when there is none. */
  readDeferReasons(id: string): Promise<Map<string, string>> {
    return this.#deferLogfiles.read(id);
  }

  /** Removes the defer logfile of message `id`, if any. */
  // deno-lint-ignore require-await -- errors reject, as callers expect
  async removeDeferReasons(id: string): Promise<void> {
    this.#deferLogfiles.remove(id);
  }

  /**
   * Whether any message waits in active/, incoming/ or deferred/: the
   * queues the queue manager works on. Stops at the first queue file
   * where the C library is at hand (raw_file_reader.ts): Deno's API
   * reads a whole directory, and a big deferred/ read so left the
   * master tens of megabytes it did not give back.
   */
  hasMessages(): boolean {
    return (["active", "incoming", "deferred"] as const).some((queue) =>
      this.holdsMessages(queue)
    );
  }

  /** Whether `queue` holds a queue file (stops at the first found). */
  holdsMessages(queue: QueueName): boolean {
    return rawFileReader().holdsFile(this.directory(queue), isQueueId);
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
