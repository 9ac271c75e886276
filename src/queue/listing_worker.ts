/**
 * A helper thread of a large queue listing (listing_pool.ts): reads and
 * formats one slice of a queue's messages.
 *
 * DESCRIPTION
 *   Gets slices `{queueDirectory, queue, ids, reasons, json, utc}`
 *   (`reasons[i]` is 1 when message `ids[i]` has a defer logfile) and
 *   answers each in turn, in the order they came: reads each header
 *   with the listing's quick reader and answers with the formatted
 *   entries (`postqueue -p` entries separated by empty lines, or
 *   `postqueue -j` lines), how many there were and their bytes. Reading
 *   100,000 small files is mostly system calls; two threads make them on
 *   two cores. Needs read access to the queue only.
 */
import { formatListingEntry, readListingEntry } from "./listing.ts";
import { formatListingJson } from "./listing_json.ts";
import { QueueStore } from "./store.ts";
import type { QueueName } from "./types.ts";

/** One slice to list. */
export interface ListingSlice {
  readonly queueDirectory: string;
  readonly queue: QueueName;
  readonly ids: readonly string[];
  readonly reasons: Uint8Array;
  readonly json: boolean;
  readonly utc: boolean;
}

/** A listed slice. */
export interface ListedSlice {
  readonly text: string;
  readonly count: number;
  readonly bytes: number;
}

const thread = self as unknown as {
  postMessage(message: ListedSlice | { error: string }): void;
  onmessage: ((event: MessageEvent<ListingSlice>) => void) | null;
};

const stores = new Map<string, QueueStore>();

async function listSlice(slice: ListingSlice): Promise<void> {
  try {
    let store = stores.get(slice.queueDirectory);
    if (!store) {
      store = await QueueStore.open(slice.queueDirectory, {
        clearStaging: false,
      });
      stores.set(slice.queueDirectory, store);
    }
    const directory = store.directory(slice.queue) + "/";
    const parts: string[] = [];
    let bytes = 0;
    for (let i = 0; i < slice.ids.length; i++) {
      const id = slice.ids[i];
      const entry = readListingEntry(
        store,
        slice.queue,
        id,
        slice.reasons[i] === 1,
        directory + id,
      );
      if (!entry) continue;
      parts.push(
        slice.json
          ? formatListingJson(entry)
          : formatListingEntry(entry, { utc: slice.utc }),
      );
      bytes += entry.size;
    }
    thread.postMessage({
      text: parts.join(slice.json ? "" : "\n"),
      count: parts.length,
      bytes,
    });
  } catch (error) {
    thread.postMessage({
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

// Slices are answered in the order they came (listing_pool.ts matches
// answers by order), one after another.
let listed = Promise.resolve();
thread.onmessage = (event) => {
  const slice = event.data;
  listed = listed.then(() => listSlice(slice));
};
