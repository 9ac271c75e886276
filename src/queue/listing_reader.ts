/**
 * The listing's quick look at a queue file and its defer logfile: the
 * fields `mailsrv queue` shows, read with one open, one read, one close.
 *
 * DESCRIPTION
 *   `mailsrv queue` must list 100,000 messages in under two seconds, so
 *   each file costs what it must and no more. Under the binary's
 *   permission set Deno resolves every path it opens component by
 *   component (a readlink(2) each) before the open; a stat or a read
 *   needs no such check. So this reader makes one open, one read into a
 *   reused 8 KiB buffer and one close per file: no stat and no second
 *   read to see the end of the file (Deno.readFileSync makes both, and
 *   would read a large message whole). The three calls go straight to
 *   the C library where it can be loaded (src/fs/raw_file_reader.ts,
 *   about a fifth less CPU a file than through Deno's file API), with
 *   Deno's errors either way. A header longer than the buffer
 *   (a long recipient list) goes through the full parse
 *   (queue_file_reader.ts); a defer logfile longer than it is read whole.
 *
 *   The header is picked apart in place: the listing needs only the
 *   arrival time, size, sender and the recipients with their status,
 *   from a file the queue manager has already accepted or will check
 *   before delivering it. The magic line (every version the full parser
 *   reads) and the ID are checked; a file that does not look like a
 *   queue file is reported as corrupt (CorruptQueueFileError), as the
 *   full parser would, and the listing skips it.
 *
 *   Used by listing.ts only; the queue manager never trusts it. Not
 *   reentrant across threads by design: each thread has its own module
 *   instance and buffer.
 */
import {
  CorruptQueueFileError,
  decodeValue,
  QUEUE_FILE_MAGIC,
  QUEUE_FILE_MAGIC_V2,
  QUEUE_FILE_MAGIC_V3,
  QUEUE_FILE_MAGIC_V4,
} from "./queue_file.ts";
import { readEnvelope } from "./queue_file_reader.ts";
import { parseDeferReasons } from "./defer_reasons.ts";
import { rawFileReader } from "../fs/raw_file_reader.ts";
import type { RecipientStatus } from "./types.ts";

/** What the listing shows of one queue file. */
export interface ListingEnvelope {
  readonly arrivalTime: number;
  readonly size: number;
  readonly sender: string;
  readonly recipients: readonly {
    readonly address: string;
    readonly status: RecipientStatus;
  }[];
}

const BUFFER_SIZE = 8192;
const buffer = new Uint8Array(BUFFER_SIZE);
const decoder = new TextDecoder();
const LF = 0x0a;
const MAGICS = new Set([
  QUEUE_FILE_MAGIC,
  QUEUE_FILE_MAGIC_V2,
  QUEUE_FILE_MAGIC_V3,
  QUEUE_FILE_MAGIC_V4,
]);
const STATUS: Record<string, RecipientStatus> = {
  P: "pending",
  W: "pending",
  D: "delivered",
  B: "bounced",
};

/** Fills `buffer` from the start of `path`: open, one read, close. */
function readPrefix(path: string): number {
  // Asked for at the first read (the C library is loaded then, once per
  // thread), not when a daemon module imports the listing's formatter.
  return rawFileReader().readPrefix(path, buffer);
}

function decoded(value: string): string {
  return value.includes("%") ? decodeValue(value) : value;
}

/** The offset just past the header's empty line, or -1. */
function headerEnd(filled: number): number {
  let i = buffer.indexOf(LF);
  // Bytes past `filled` are left from an earlier file: never look at them.
  while (i >= 0 && i + 1 < filled) {
    if (buffer[i + 1] === LF) return i + 2;
    i = buffer.indexOf(LF, i + 1);
  }
  return -1;
}

function pickFields(header: string, id: string): ListingEnvelope {
  let end = header.indexOf("\n");
  if (end < 0 || !MAGICS.has(header.slice(0, end))) {
    throw new CorruptQueueFileError("not a mailsrv queue file");
  }
  let arrival = NaN;
  let size = NaN;
  let sender: string | undefined;
  let idMatches = false;
  const recipients: { address: string; status: RecipientStatus }[] = [];
  for (let start = end + 1; start < header.length; start = end + 1) {
    end = header.indexOf("\n", start);
    if (end < 0) end = header.length;
    if (header.startsWith("rcpt=", start)) {
      const status = STATUS[header[start + 5]];
      if (!status || header[start + 6] !== " ") {
        throw new CorruptQueueFileError(
          `malformed recipient "${header.slice(start, end)}"`,
        );
      }
      recipients.push({
        address: decoded(header.slice(start + 7, end)),
        status,
      });
    } else if (header.startsWith("arrival=", start)) {
      arrival = Number(header.slice(start + 8, end));
    } else if (header.startsWith("size=", start)) {
      size = Number(header.slice(start + 5, end));
    } else if (header.startsWith("sender=", start)) {
      sender = decoded(header.slice(start + 7, end));
    } else if (header.startsWith("id=", start)) {
      idMatches = end - start - 3 === id.length &&
        header.startsWith(id, start + 3);
    }
  }
  if (!idMatches) {
    throw new CorruptQueueFileError(`queue ID does not match "${id}"`);
  }
  if (
    !Number.isSafeInteger(arrival) || !Number.isSafeInteger(size) ||
    sender === undefined || recipients.length === 0
  ) {
    throw new CorruptQueueFileError("incomplete header");
  }
  return { arrivalTime: arrival, size, sender, recipients };
}

/**
 * The listing fields of queue file `path`, named `id`.
 * @throws CorruptQueueFileError when it is not a queue file; the file
 *   system's errors (NotFound when it was delivered meanwhile)
 */
export function readListingEnvelope(path: string, id: string): ListingEnvelope {
  const filled = readPrefix(path);
  // A queue file's header is written first and is short, so it is all
  // in the first read unless the recipient list is long.
  const end = headerEnd(filled);
  if (end < 0) return readEnvelope(path, id);
  return pickFields(decoder.decode(buffer.subarray(0, end - 2)), id);
}

/**
 * The reasons in defer logfile `path` (recipient → reason), read with
 * one open and read when it fits the buffer.
 * @throws the file system's errors (NotFound when it was removed)
 */
export function readListingReasons(path: string): Map<string, string> {
  const filled = readPrefix(path);
  const text = filled < BUFFER_SIZE
    ? decoder.decode(buffer.subarray(0, filled))
    : Deno.readTextFileSync(path);
  return parseDeferReasons(text);
}
