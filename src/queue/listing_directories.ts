/**
 * The directories a large queue listing reads: every queue's IDs and the
 * defer logfiles present.
 *
 * DESCRIPTION
 *   A directory of 80,000 messages is a real cost: Deno hands back one
 *   object per entry (2–3 µs each). Where the C library can be called
 *   (src/fs/raw_file_reader.ts), getdents64(2) reads 256 KiB of entries
 *   a call, about five times faster; each directory is then read when
 *   the listing first asks for it, so a small queue's messages go out
 *   to the reading threads before a big directory is read. Otherwise
 *   Deno.readDir (not readDirSync) reads each directory on one of
 *   Deno's blocking threads, all started at once, side by side and
 *   beside the listing threads, while this thread only collects the
 *   names. Either way the answers come in listing order.
 *
 *   Used by listing_pool.ts. A missing directory is an empty one; any
 *   other error is the caller's. Reads only.
 */
import { isQueueId } from "./queue_id.ts";
import { rawFileReader } from "../fs/raw_file_reader.ts";

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

/** As fileNames, read at once through the C library. */
function fileNamesNow(
  directory: string,
  keep: (name: string) => boolean,
): Promise<string[]> {
  try {
    return Promise.resolve(rawFileReader().fileNames(directory).filter(keep));
  } catch (error) {
    return error instanceof Deno.errors.NotFound
      ? Promise.resolve([])
      : Promise.reject(error);
  }
}

/** What the listing reads before any queue file. */
export interface ListingDirectories {
  /** The IDs with a defer logfile. */
  readonly deferLogfiles: Promise<Set<string>>;
  /** Queue `n`'s IDs, sorted (arrival order); n as in the order asked for. */
  queue(n: number): Promise<string[]>;
}

/**
 * Reads the defer logfiles' directory and each of `queues` (directory
 * paths): through the C library, each when first asked for (the caller
 * hands out a queue's messages before the next directory is read);
 * otherwise all started at once on Deno's blocking threads.
 */
export function listingDirectories(
  deferDirectory: string,
  queues: readonly string[],
): ListingDirectories {
  const all = () => true;
  const sortedIds = (ids: string[]) => ids.sort();
  if (rawFileReader().direct) {
    const read = new Map<number, Promise<string[]>>();
    return {
      deferLogfiles: fileNamesNow(deferDirectory, all).then((names) =>
        new Set(names)
      ),
      queue(n) {
        let ids = read.get(n);
        if (!ids) {
          ids = fileNamesNow(queues[n], isQueueId).then(sortedIds);
          read.set(n, ids);
        }
        return ids;
      },
    };
  }
  const deferLogfiles = fileNames(deferDirectory, all)
    .then((names) => new Set(names));
  const sorted = queues.map((directory) =>
    fileNames(directory, isQueueId).then(sortedIds)
  );
  // Each is awaited in turn; one failing early must not go unhandled.
  for (const read of [deferLogfiles, ...sorted]) read.catch(() => {});
  return { deferLogfiles, queue: (n) => sorted[n] };
}
