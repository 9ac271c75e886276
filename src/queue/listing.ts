/**
 * The queue listing of `mailsrv queue` / `mailq` (Postfix `postqueue -p`).
 *
 * DESCRIPTION
 *   `queueListing(store)` walks maildrop/, incoming/, active/, deferred/
 *   and hold/ (in that order, as Postfix's showq, each sorted by queue
 *   ID, which is arrival order) and reads only each file's header, never
 *   its content (listing_reader.ts). Files
 *   that vanish meanwhile (delivered) or do not parse are skipped: the
 *   listing is a snapshot of a live queue and must not fail on one file.
 *
 *   The formatter is pure and prints Postfix's layout for long queue IDs
 *   (postqueue/showq_compat.c, enable_long_queue_ids = yes), the one
 *   that fits mailsrv's 15-character IDs:
 *
 *   ----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------
 *   0Ab3xYz12kLmN9q*      1234 Wed Nov 25 03:54:32 sender@example.com
 *                                                  rcpt@example.com
 *
 *   `*` marks a message in the active queue, `!` one on hold. Only pending
 *   recipients are shown. For deferred mail, the reason from defer/<id>
 *   is printed right-aligned in parentheses above the recipients it
 *   applies to, once per run of equal reasons (defer/<id> is read in
 *   every queue: a held message keeps its last reasons). The null sender shows as
 *   MAILER-DAEMON. A summary `-- N Kbytes in M Requests.` ends the
 *   listing, or `Mail queue is empty` stands alone.
 *
 *   Arrival times are local time, as asctime(3) prints them.
 */
import { arrivalClock } from "./listing_clock.ts";
import { readListingEnvelope, readListingReasons } from "./listing_reader.ts";
import { CorruptQueueFileError } from "./queue_file.ts";
import { isQueueId } from "./queue_id.ts";
import type { QueueStore } from "./store.ts";
import type { QueueName } from "./types.ts";

/** One message as the listing shows it. */
export interface QueueListingEntry {
  readonly id: string;
  readonly queue: QueueName;
  /** Content size in bytes. */
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly arrivalTime: number;
  /** Envelope sender; "" is the null sender. */
  readonly sender: string;
  /** Pending recipients, with their deferral reason when known. */
  readonly recipients: readonly ListedRecipient[];
}

/** A pending recipient in the listing. */
export interface ListedRecipient {
  readonly address: string;
  readonly reason?: string;
}

/** How times are shown; local time by default, UTC for tests. */
export interface ListingFormatOptions {
  readonly utc?: boolean;
}

/**
 * Where the listing finds the queues: an open QueueStore, or
 * listing_pool.ts's `listedQueues(queueDirectory)` where none is needed (`mailsrv queue`
 * only reads, and the store's module loads the queue's writing side).
 */
export type ListedQueues = Pick<QueueStore, "directory" | "path">;

/** The queues the listing shows, in order. */
export const LISTED_QUEUES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
];

const ID_WIDTH = 17;
const SIZE_WIDTH = 8;
const TIME_WIDTH = 19;
const RECIPIENT_INDENT = " ".repeat(ID_WIDTH + SIZE_WIDTH + TIME_WIDTH + 3);
/** Reason lines end in this column, as in Postfix. */
const REASON_COLUMN = 78;
const FLAG: Partial<Record<QueueName, string>> = { active: "*", hold: "!" };

/** The defer logfiles present now: one directory read, not an open each. */
export function deferLogfileIds(store: ListedQueues): Set<string> {
  const ids = new Set<string>();
  try {
    for (const entry of Deno.readDirSync(store.directory("defer"))) {
      if (entry.isFile) ids.add(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return ids;
}

function readReasons(path: string): Map<string, string> {
  try {
    return readListingReasons(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    throw error;
  }
}

/**
 * One message as listed, or undefined when its file vanished (delivered)
 * or cannot be read as a queue file. Reasons come from defer/<id> in
 * every queue, as Postfix's showq reads the defer logfile of any message
 * (a held or active message keeps the reasons of its last deferral).
 */
export function readListingEntry(
  store: ListedQueues,
  queue: QueueName,
  id: string,
  hasReasons: boolean,
  path = store.path(queue, id),
): QueueListingEntry | undefined {
  return readListedMessage(
    queue,
    id,
    path,
    hasReasons ? store.path("defer", id) : undefined,
  );
}

/**
 * As readListingEntry, given the paths: the queue file's, and its defer
 * logfile's when it has one. Needs no QueueStore, so a listing thread
 * loads none of the queue's writing side.
 */
export function readListedMessage(
  queue: QueueName,
  id: string,
  path: string,
  deferPath: string | undefined,
): QueueListingEntry | undefined {
  try {
    const envelope = readListingEnvelope(path, id);
    const reasons = deferPath === undefined
      ? undefined
      : readReasons(deferPath);
    return {
      id,
      queue,
      size: envelope.size,
      arrivalTime: envelope.arrivalTime,
      sender: envelope.sender,
      recipients: envelope.recipients
        .filter((r) => r.status === "pending")
        .map((r) => ({ address: r.address, reason: reasons?.get(r.address) })),
    };
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof CorruptQueueFileError
    ) return undefined;
    throw error;
  }
}

/** The queue IDs in `queue`, sorted (arrival order); [] if it is absent. */
export function sortedQueueIds(
  store: ListedQueues,
  queue: QueueName,
): string[] {
  const ids: string[] = [];
  try {
    for (const entry of Deno.readDirSync(store.directory(queue))) {
      if (entry.isFile && isQueueId(entry.name)) ids.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return ids.sort();
}

/**
 * The messages in `queues` (default: the listed queues), one header read
 * at a time; memory holds one queue's IDs and one envelope. Reads are
 * synchronous: each costs microseconds, less than a trip through the
 * thread pool (see store.ts).
 */
export function* queueListing(
  store: ListedQueues,
  queues: readonly QueueName[] = LISTED_QUEUES,
): IterableIterator<QueueListingEntry> {
  const deferred = deferLogfileIds(store);
  const deferDirectory = store.directory("defer") + "/";
  for (const queue of queues) {
    const directory = store.directory(queue) + "/";
    for (const id of sortedQueueIds(store, queue)) {
      const entry = readListedMessage(
        queue,
        id,
        directory + id,
        deferred.has(id) ? deferDirectory + id : undefined,
      );
      if (entry) yield entry;
    }
  }
}

/** `Wed Nov  5 03:54:32`: asctime(3) without the year. */
export function formatArrivalTime(
  ms: number,
  options: ListingFormatOptions = {},
): string {
  return arrivalClock(ms, options.utc ?? false);
}

/** The column headings (first line of a non-empty listing). */
export function formatListingHeading(): string {
  return `${"----Queue ID-----".padEnd(ID_WIDTH)} ${
    "--Size--".padStart(SIZE_WIDTH)
  } ${"---Arrival Time----".padEnd(TIME_WIDTH)} --Sender/Recipient------\n`;
}

/** One message: its line, then reason and recipient lines. */
export function formatListingEntry(
  entry: QueueListingEntry,
  options: ListingFormatOptions = {},
): string {
  const marked = entry.id + (FLAG[entry.queue] ?? "");
  const lines = [
    `${marked.padEnd(ID_WIDTH)} ${String(entry.size).padStart(SIZE_WIDTH)} ${
      formatArrivalTime(entry.arrivalTime, options)
    } ${entry.sender === "" ? "MAILER-DAEMON" : entry.sender}\n`,
  ];
  let shownReason = "";
  for (const { address, reason = "" } of entry.recipients) {
    if (reason !== shownReason) {
      shownReason = reason;
      const text = `(${reason || "reason unavailable"})`;
      lines.push(text.padStart(REASON_COLUMN) + "\n");
    }
    lines.push(RECIPIENT_INDENT + address + "\n");
  }
  return lines.join("");
}

/** The closing line(s), given the number of messages and their bytes. */
export function formatListingSummary(count: number, bytes: number): string {
  if (count === 0) return "Mail queue is empty\n";
  return `\n-- ${Math.floor(bytes / 1024)} Kbytes in ${count} Request${
    count === 1 ? "" : "s"
  }.\n`;
}

/** Output is handed on in pieces of about this many characters. */
const PIECE = 64 * 1024;

/**
 * Formats a listing piece by piece (about 64 KiB each), for writing as
 * it is produced.
 */
export function* formatQueueListingStream(
  entries: Iterable<QueueListingEntry>,
  options: ListingFormatOptions = {},
): IterableIterator<string> {
  let count = 0;
  let bytes = 0;
  let piece = "";
  for (const entry of entries) {
    piece += (count === 0 ? formatListingHeading() : "\n") +
      formatListingEntry(entry, options);
    count++;
    bytes += entry.size;
    if (piece.length >= PIECE) {
      yield piece;
      piece = "";
    }
  }
  yield piece + formatListingSummary(count, bytes);
}

/** Formats a whole listing (pure). */
export function formatQueueListing(
  entries: Iterable<QueueListingEntry>,
  options: ListingFormatOptions = {},
): string {
  const parts: string[] = [];
  let bytes = 0;
  for (const entry of entries) {
    parts.push(
      (parts.length === 0 ? formatListingHeading() : "\n") +
        formatListingEntry(entry, options),
    );
    bytes += entry.size;
  }
  return parts.join("") + formatListingSummary(parts.length, bytes);
}
