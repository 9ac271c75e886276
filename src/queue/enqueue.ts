/**
 * The queue's gate (Postfix cleanup, qmail-queue): the only way in.
 *
 * DESCRIPTION
 *   `createEnqueue(queue)` returns the one `Enqueue` function through
 *   which every message enters the queue: smtpd's DATA, the queue
 *   manager's bounces (bounce.ts), mail that delivery forwards or expands
 *   to a list (resubmit.ts), and local submission to maildrop/. Each of
 *   them is given this function, never the store.
 *
 *   A call fixes the queue ID (queue_id.ts) and the arrival time, takes a
 *   spare file from the queue's pool (spare_pool.ts) or creates
 *   `tmp/<id>`, and returns the writer of queue_writer.ts. When a message
 *   for incoming/ is durable (file and directory entry fsynced, group
 *   commit), the queue announces it and its queue manager takes it
 *   (commit_notices.ts). The steps and their crash rules:
 *   docs/queue-format.md, "Writing a message".
 *
 *   This module is also the producers' view of the queue: it re-exports
 *   the gate's types, so smtpd and the delivery agents import nothing
 *   else of src/queue/.
 *
 *   Needs write permission on tmp/, incoming/ and maildrop/. Does NOT
 *   interpret the content (line ends, headers, size limits are the
 *   producer's) and does NOT read the queue.
 */
import { join } from "node:path";
import { syncDirectory } from "../fs/sync_directory.ts";
import { newQueueId } from "./queue_id.ts";
import { createQueueWriter, type QueueFileHandle } from "./queue_writer.ts";
import type { SpareFile } from "./spare_pool.ts";
import type { Enqueue, NewEnvelope, QueueWriter } from "./types.ts";

export type {
  DsnNotifyKeyword,
  DsnRet,
  Enqueue,
  EnqueueOptions,
  NewEnvelope,
  OriginalRecipient,
  QueueWriter,
  RecipientDsn,
  Resubmit,
  ResubmitRequest,
} from "./types.ts";

/**
 * What the gate needs of the queue it writes into (a QueueStore): where
 * it is, its spare files, and whom to tell of a commit.
 */
export interface GateQueue {
  /** Absolute path of `queue_directory`. */
  readonly queueDirectory: string;
  /** An open spare file in tmp/ for a new message, if any. */
  takeSpare(): SpareFile | undefined;
  /** Tells the queue manager that message `id` is durable in incoming/. */
  announce(id: string): void;
}

/** How the gate makes its messages; every field is optional. */
export interface GateOptions {
  /** Queue ID source (default: the process-wide monotonic generator). */
  readonly newQueueId?: () => string;
  /** Milliseconds since the epoch, for arrival times. */
  readonly now?: () => number;
  /** Creates a staging file (tests inject faults here). */
  readonly createFile?: (path: string) => QueueFileHandle;
  /** Makes a directory's entries durable (default: group commit). */
  readonly syncDirectory?: (path: string) => Promise<void>;
}

function createStagingFile(path: string): Deno.FsFile {
  return Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
}

/** The gate into `queue`. */
export function createEnqueue(
  queue: GateQueue,
  options: GateOptions = {},
): Enqueue {
  const nextQueueId = options.newQueueId ?? newQueueId;
  const now = options.now ?? Date.now;
  const createFile = options.createFile ?? createStagingFile;
  const syncQueueDirectory = options.syncDirectory ??
    ((path: string) => syncDirectory(path, { keepOpen: true }));
  const tmp = join(queue.queueDirectory, "tmp");
  const directories = {
    incoming: join(queue.queueDirectory, "incoming"),
    maildrop: join(queue.queueDirectory, "maildrop"),
    hold: join(queue.queueDirectory, "hold"),
  };
  const announce = (id: string) => queue.announce(id);
  const quiet = () => {};

  function writer(
    id: string,
    into: "incoming" | "maildrop",
    envelope: NewEnvelope,
    spare: SpareFile | undefined,
  ): QueueWriter {
    return createQueueWriter({
      id,
      arrivalTime: Math.floor(now()),
      envelope,
      stagingPath: spare?.path ?? join(tmp, id),
      queuePath: join(directories[into], id),
      queueDirectory: directories[into],
      hold: { path: join(directories.hold, id), directory: directories.hold },
      createFile: spare ? () => spare.file : createFile,
      createRewriteFile: createFile,
      syncDirectory: syncQueueDirectory,
      committed: into === "incoming" ? announce : quiet,
    });
  }

  // deno-lint-ignore require-await -- a failure to create rejects
  return async (envelope, enqueueOptions) => {
    const into = enqueueOptions?.queue ?? "incoming";
    const id = nextQueueId();
    const spare = queue.takeSpare();
    try {
      return writer(id, into, envelope, spare);
    } catch (error) {
      spare?.file.close();
      throw error;
    }
  };
}
