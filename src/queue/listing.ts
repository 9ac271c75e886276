/**
 * The queue listing of `mailsrv queue` / `mailq` (Postfix `postqueue -p`).
 *
 * DESCRIPTION
 *   `queueListing(store)` walks maildrop/, incoming/, active/, deferred/
 *   and hold/ (in that order, each sorted by queue ID, which is arrival
 *   order) and reads only each file's header, never its content. Files
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
 *   applies to, once per run of equal reasons. The null sender shows as
 *   MAILER-DAEMON. A summary `-- N Kbytes in M Requests.` ends the
 *   listing, or `Mail queue is empty` stands alone.
 *
 *   Arrival times are local time, as asctime(3) prints them.
 */
import {
  DAY_NAMES as DAYS,
  MONTH_NAMES as MONTHS,
} from "../common/calendar.ts";
import { CorruptQueueFileError } from "./queue_file.ts";
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

async function readEntry(
  store: QueueStore,
  queue: QueueName,
  id: string,
): Promise<QueueListingEntry | undefined> {
  try {
    const envelope = await store.readEnvelope(queue, id);
    const reasons = queue === "deferred"
      ? await store.readDeferReasons(id)
      : new Map<string, string>();
    return {
      id,
      queue,
      size: envelope.size,
      arrivalTime: envelope.arrivalTime,
      sender: envelope.sender,
      recipients: envelope.recipients
        .filter((r) => r.status === "pending")
        .map((r) => ({ address: r.address, reason: reasons.get(r.address) })),
    };
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof CorruptQueueFileError
    ) return undefined;
    throw error;
  }
}

/**
 * The messages in the listed queues, one header read at a time; memory
 * holds one queue's IDs and one envelope.
 */
export async function* queueListing(
  store: QueueStore,
): AsyncIterableIterator<QueueListingEntry> {
  for (const queue of LISTED_QUEUES) {
    const ids: string[] = [];
    for await (const id of store.list(queue)) ids.push(id);
    ids.sort();
    for (const id of ids) {
      const entry = await readEntry(store, queue, id);
      if (entry) yield entry;
    }
  }
}

/** `Wed Nov  5 03:54:32`: asctime(3) without the year. */
export function formatArrivalTime(
  ms: number,
  options: ListingFormatOptions = {},
): string {
  const d = new Date(ms);
  const utc = options.utc ?? false;
  const day = utc ? d.getUTCDay() : d.getDay();
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const date = utc ? d.getUTCDate() : d.getDate();
  const clock = [
    utc ? d.getUTCHours() : d.getHours(),
    utc ? d.getUTCMinutes() : d.getMinutes(),
    utc ? d.getUTCSeconds() : d.getSeconds(),
  ].map((n) => String(n).padStart(2, "0")).join(":");
  return `${DAYS[day]} ${MONTHS[month]} ${String(date).padStart(2)} ${clock}`;
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

/** Formats a listing piece by piece, for writing as it is produced. */
export async function* formatQueueListingStream(
  entries: AsyncIterable<QueueListingEntry> | Iterable<QueueListingEntry>,
  options: ListingFormatOptions = {},
): AsyncIterableIterator<string> {
  let count = 0;
  let bytes = 0;
  for await (const entry of entries) {
    yield (count === 0 ? formatListingHeading() : "\n") +
      formatListingEntry(entry, options);
    count++;
    bytes += entry.size;
  }
  yield formatListingSummary(count, bytes);
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
