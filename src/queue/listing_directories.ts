/**
 * The directories a large queue listing reads: every queue's IDs and the
 * defer logfiles present, all asked for at once.
 *
 * DESCRIPTION
 *   A directory of 80,000 messages is a real cost: Deno hands back one
 *   object per entry. Read with Deno.readDir (not readDirSync), the
 *   directory itself is read on one of Deno's blocking threads, so the
 *   directories are read side by side, and beside the listing threads,
 *   while this thread only collects the names. `listingDirectories`
 *   starts every read first and answers them in listing order, so a
 *   caller can hand out a small queue's messages before a big one's
 *   directory is in.
 *
 *   Used by listing_pool.ts. A missing directory is an empty one; any
 *   other error is the caller's. Reads only.
 */
import { isQueueId } from "./queue_id.ts";

/** The names of the files in `directory` that `keep` accepts. */
async function fileNames(
  directory: string,
  keep: (name: string) => boolean,
): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile && keep(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}

/** What the listing reads before any queue file. */
export interface ListingDirectories {
  /** The IDs with a defer logfile. */
  readonly deferLogfiles: Promise<Set<string>>;
  /** Each queue's IDs, sorted (arrival order), in the order asked for. */
  readonly queues: readonly Promise<string[]>[];
}

/**
 * Starts reading the defer logfiles' directory and each of `queues`
 * (directory paths), all at once.
 */
export function listingDirectories(
  deferDirectory: string,
  queues: readonly string[],
): ListingDirectories {
  const deferLogfiles = fileNames(deferDirectory, () => true)
    .then((names) => new Set(names));
  const sorted = queues.map((directory) =>
    fileNames(directory, isQueueId).then((ids) => ids.sort())
  );
  // Each is awaited in turn; one failing early must not go unhandled.
  for (const read of [deferLogfiles, ...sorted]) read.catch(() => {});
  return { deferLogfiles, queues: sorted };
}
