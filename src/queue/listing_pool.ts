/**
 * A large queue listing, read by helper threads: `mailsrv queue` and
 * `mailsrv queue --json` on a queue of many messages.
 *
 * DESCRIPTION
 *   Listing is one open and read per message (and per defer logfile):
 *   mostly system calls, which one thread makes one after another. Past
 *   PARALLEL_FROM messages, the sorted IDs of each queue are cut into
 *   slices that listing_worker.ts threads (one per core, at most
 *   MAX_THREADS) read and format, each taking the next slice when done;
 *   the slices are printed in order as they come back, so the output is
 *   the same text, in the same order, as the one-thread listing
 *   (listing.ts, listing_json.ts) prints for a small queue.
 *
 *   Needs read access to the queue and nothing else (the threads inherit
 *   this thread's permissions); `deno compile` must include the worker.
 */
import {
  deferLogfileIds,
  formatListingHeading,
  formatListingSummary,
  formatQueueListingStream,
  LISTED_QUEUES,
  queueListing,
  sortedQueueIds,
} from "./listing.ts";
import { formatQueueListingJson } from "./listing_json.ts";
import type { ListedSlice, ListingSlice } from "./listing_worker.ts";
import type { QueueStore } from "./store.ts";

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
 * The slices of every listed queue, in listing order. `counted` hears a
 * forecast first (the number of defer logfiles: deferred mail has one),
 * then the running total of messages after each queue's directory.
 */
function listSlices(
  store: QueueStore,
  json: boolean,
  utc: boolean,
  counted: (total: number) => void,
): ListingSlice[] {
  const reasons = deferLogfileIds(store);
  counted(reasons.size);
  const slices: ListingSlice[] = [];
  let total = 0;
  for (const queue of LISTED_QUEUES) {
    const ids = sortedQueueIds(store, queue);
    total += ids.length;
    counted(total);
    for (let i = 0; i < ids.length; i += SLICE) {
      const part = ids.slice(i, i + SLICE);
      slices.push({
        queueDirectory: store.queueDirectory,
        queue,
        ids: part,
        reasons: Uint8Array.from(part, (id) => reasons.has(id) ? 1 : 0),
        json,
        utc,
      });
    }
  }
  return slices;
}

/** A reading thread; an error in it fails every slice still waited for. */
function startWorker(results: PromiseWithResolvers<ListedSlice>[]): Worker {
  const worker = new Worker(WORKER_URL.href, {
    type: "module",
    name: "listing",
  });
  worker.onerror = (event) => {
    event.preventDefault();
    for (const r of results) r.reject(new Error(event.message));
  };
  return worker;
}

/** Prints the listing of `store`'s queue, in parallel when it is large. */
export async function printQueueListing(
  store: QueueStore,
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
  const workers: Worker[] = [];
  const results: PromiseWithResolvers<ListedSlice>[] = [];
  try {
    const slices = listSlices(store, options.json, utc, (total) => {
      // Threads start once the queue is known to be large, and load
      // their code while this one reads the rest of the directories.
      if (total >= PARALLEL_FROM && workers.length === 0) {
        for (let i = 0; i < threads; i++) workers.push(startWorker(results));
      }
    });
    // A small queue costs less than starting threads (read again: cheap).
    if (workers.length === 0) return inThread();
    for (const _ of slices) results.push(Promise.withResolvers<ListedSlice>());
    let next = 0;
    const feed = (worker: Worker) => {
      if (next >= slices.length) return;
      const index = next++;
      worker.onmessage = (
        event: MessageEvent<ListedSlice | { error: string }>,
      ) => {
        const data = event.data;
        if ("error" in data) results[index].reject(new Error(data.error));
        else results[index].resolve(data);
        feed(worker);
      };
      worker.postMessage(slices[index]);
    };
    for (const worker of workers) feed(worker);
    let count = 0;
    let bytes = 0;
    for (const { promise } of results) {
      const slice = await promise;
      if (slice.count === 0) continue;
      options.print(
        options.json
          ? slice.text
          : (count === 0 ? formatListingHeading() : "\n") + slice.text,
      );
      count += slice.count;
      bytes += slice.bytes;
    }
    if (!options.json) options.print(formatListingSummary(count, bytes));
  } finally {
    for (const worker of workers) worker.terminate();
  }
}
