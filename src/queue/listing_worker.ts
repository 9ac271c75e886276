/**
 * A helper thread of a large queue listing (listing_pool.ts): reads and
 * formats one slice of a queue's messages.
 *
 * DESCRIPTION
 *   Gets slices `{directory, deferDirectory, queue, ids, reasons, json,
 *   utc}` (`reasons[i]` is 1 when message `ids[i]` has a defer logfile) and
 *   answers each in turn, in the order they came: reads each header
 *   with the listing's quick reader and answers with the formatted
 *   entries (`postqueue -p` entries separated by empty lines, or
 *   `postqueue -j` lines), how many there were and their bytes. Reading
 *   100,000 small files is mostly system calls; two threads make them on
 *   two cores. Needs read access to the queue only. Imports only the
 *   listing's readers and formatters (not store.ts and the queue's
 *   writing side and logging): each thread compiles what it imports.
 */
import { formatListingEntry, readListedMessage } from "./listing.ts";
import { formatListingJson } from "./listing_json.ts";
import type { QueueName } from "./types.ts";

/** One slice to list. */
export interface ListingSlice {
  /** The queue's directory, ending in "/". */
  readonly directory: string;
  /** The defer logfiles' directory, ending in "/". */
  readonly deferDirectory: string;
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

function listSlice(slice: ListingSlice): void {
  try {
    const { directory, deferDirectory } = slice;
    const parts: string[] = [];
    let bytes = 0;
    for (let i = 0; i < slice.ids.length; i++) {
      const id = slice.ids[i];
      const entry = readListedMessage(
        slice.queue,
        id,
        directory + id,
        slice.reasons[i] === 1 ? deferDirectory + id : undefined,
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
// answers by order): each is read whole before the next message event.
thread.onmessage = (event) => listSlice(event.data);
