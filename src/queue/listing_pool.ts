/**
 * A large queue listing, read by helper threads: `mailsrv queue` and
 * `mailsrv queue --json` on a queue of many messages.
 *
 * DESCRIPTION
 *   Listing is one open and read per message (and per defer logfile):
 *   mostly system calls, which one thread makes one after another. Past
 *   PARALLEL_FROM messages, the sorted IDs of each queue are cut into
 *   slices that listing_worker.ts threads (one per core, at most
 *   MAX_THREADS) read and format, taking slices in turn. Every
 *   directory is asked for at once, on Deno's blocking threads
 *   (listing_directories.ts), and a queue's slices go out as soon as its
 *   directory is in, so the threads read while the bigger directories
 *   are still being read. The slices are printed in order
 *   as they come back, so the output is
 *   the same text, in the same order, as the one-thread listing
 *   (listing.ts, listing_json.ts) prints for a small queue.
 *
 *   Needs read access to the queue, and ffi for the C library's calls
 *   (src/fs/raw_file_reader.ts; without it Deno's file API reads): the
 *   threads inherit this thread's permissions. `deno compile` must
 *   include the worker.
 */
import { join } from "node:path";
import {
  formatListingHeading,
  formatListingSummary,
  formatQueueListingStream,
  LISTED_QUEUES,
  type ListedQueues,
  queueListing,
} from "./listing.ts";
import { listingDirectories } from "./listing_directories.ts";
import { formatQueueListingJson } from "./listing_json.ts";
import type { ListedSlice, ListingSlice } from "./listing_worker.ts";

/**
 * The queues under `queueDirectory`, laid out as QueueStore has them
 * (its paths, without loading the queue's writing side).
 */
export function listedQueues(queueDirectory: string): ListedQueues {
  return {
    directory: (queue) => join(queueDirectory, queue),
    path: (queue, id) => join(queueDirectory, queue, id),
  };
}

/** Fewer messages than this are listed in this thread. */
export const PARALLEL_FROM = 4000;
/** Messages per slice. */
const SLICE = 2000;
const MAX_THREADS = 4;

const WORKER_URL = new URL("./listing_worker.ts", import.meta.url);

/** How to list. */
export interface PrintListingOptions {
  readonly json: boolean;
  /** Writes one piece of output. */
  readonly print: (text: string) => void;
  /** Helper threads (default: one per core, at most 4). */
  readonly threads?: number;
  /** UTC times (tests). */
  readonly utc?: boolean;
}

/**
 * Cuts every listed queue into slices, in listing order, handing each to
 * `sliced` as soon as its queue's directory is read. `counted` hears a
 * forecast first (the number of defer logfiles: deferred mail has one),
 * then the running total of messages after each queue's directory.
 */
async function listSlices(
  store: ListedQueues,
  json: boolean,
  utc: boolean,
  counted: (total: number) => void,
  sliced: (slice: ListingSlice) => void,
): Promise<void> {
  const deferDirectory = store.directory("defer") + "/";
  const directories = LISTED_QUEUES.map((queue) => store.directory(queue));
  const read = listingDirectories(deferDirectory, directories);
  const reasons = await read.deferLogfiles;
  counted(reasons.size);
  let total = 0;
  for (const [n, queue] of LISTED_QUEUES.entries()) {
    const ids = await read.queue(n);
    const directory = directories[n] + "/";
    total += ids.length;
    counted(total);
    for (let i = 0; i < ids.length; i += SLICE) {
      const part = ids.slice(i, i + SLICE);
      sliced({
        directory,
        deferDirectory,
        queue,
        ids: part,
        reasons: Uint8Array.from(part, (id) => reasons.has(id) ? 1 : 0),
        json,
        utc,
      });
    }
  }
}

/**
 * Reading threads that take slices in turn. Each thread answers its
 * slices in the order it got them, so the answers are matched by order;
 * an error in a thread fails every slice still waited for.
 */
class ReadingThreads {
  readonly #workers: Worker[] = [];
  readonly #waiting: number[][] = [];
  readonly results: PromiseWithResolvers<ListedSlice>[] = [];

  constructor(count: number) {
    for (let n = 0; n < count; n++) {
      const worker = new Worker(WORKER_URL.href, {
        type: "module",
        name: "listing",
      });
      const waiting: number[] = [];
      worker.onmessage = (
        event: MessageEvent<ListedSlice | { error: string }>,
      ) => {
        const result = this.results[waiting.shift()!];
        const data = event.data;
        if ("error" in data) result.reject(new Error(data.error));
        else result.resolve(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        for (const r of this.results) r.reject(new Error(event.message));
      };
      this.#workers.push(worker);
      this.#waiting.push(waiting);
    }
  }

  /** Sends a slice to the next thread; its answer is the next result. */
  read(slice: ListingSlice): void {
    const index = this.results.length;
    this.results.push(Promise.withResolvers<ListedSlice>());
    const n = index % this.#workers.length;
    this.#waiting[n].push(index);
    this.#workers[n].postMessage(slice);
  }

  stop(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}

/** Prints the listing of `store`'s queue, in parallel when it is large. */
export async function printQueueListing(
  store: ListedQueues,
  options: PrintListingOptions,
): Promise<void> {
  const utc = options.utc ?? false;
  const threads = Math.min(
    options.threads ?? navigator.hardwareConcurrency ?? 1,
    MAX_THREADS,
  );
  const inThread = () => {
    const entries = queueListing(store);
    const pieces = options.json
      ? formatQueueListingJson(entries)
      : formatQueueListingStream(entries, { utc });
    for (const piece of pieces) options.print(piece);
  };
  if (threads < 2) return inThread();
  let reading: ReadingThreads | undefined;
  const early: ListingSlice[] = [];
  try {
    await listSlices(store, options.json, utc, (total) => {
      // Threads start once the queue is known to be large, and read the
      // first slices while this one reads the rest of the directories.
      if (total >= PARALLEL_FROM && !reading) {
        reading = new ReadingThreads(threads);
        for (const slice of early.splice(0)) reading.read(slice);
      }
    }, (slice) => reading ? reading.read(slice) : early.push(slice));
    // A small queue costs less than starting threads (read again: cheap).
    if (!reading) return inThread();
    let count = 0;
    let bytes = 0;
    for (const { promise } of reading.results) {
      const slice = await promise;
      if (slice.count === 0) continue;
      // Printed apart: joined, the slice's text would be copied whole.
      if (!options.json) {
        options.print(count === 0 ? formatListingHeading() : "\n");
      }
      options.print(slice.text);
      count += slice.count;
      bytes += slice.bytes;
    }
    if (!options.json) options.print(formatListingSummary(count, bytes));
  } finally {
    reading?.stop();
  }
}
