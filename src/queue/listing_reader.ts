/**
 * The listing's quick look at a queue file: the fields `mailsrv queue`
 * shows, read with one open and one read.
 *
 * DESCRIPTION
 *   `mailsrv queue` must list 100,000 messages in well under two seconds,
 *   and the full parse (queue_file.ts: every field checked, the size
 *   checked against the file length with an fstat) costs twice as much
 *   as the read itself. The listing needs only the arrival time, size,
 *   sender and the recipients with their status, from a file the queue
 *   manager has already accepted or will check before delivering it. So
 *   this reader reads the first 8 KiB into a reused buffer (one read: no
 *   second one to see the end of the file), checks the
 *   magic line and the ID, and picks those fields out; a header longer
 *   than the buffer (a long recipient list) goes through the full parse.
 *
 *   A file that does not look like a queue file is reported as corrupt
 *   (CorruptQueueFileError), as the full parser would; the listing skips
 *   it. Used by listing.ts only; the queue manager never trusts it.
 */
import {
  CorruptQueueFileError,
  decodeValue,
  findHeaderEnd,
  QUEUE_FILE_MAGIC,
  QUEUE_FILE_MAGIC_V2,
} from "./queue_file.ts";
import { readEnvelope } from "./queue_file_reader.ts";
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
const STATUS: Record<string, RecipientStatus> = {
  P: "pending",
  W: "pending",
  D: "delivered",
  B: "bounced",
};

function decoded(value: string): string {
  return value.includes("%") ? decodeValue(value) : value;
}

function pickFields(header: string, id: string): ListingEnvelope {
  const lines = header.split("\n");
  if (lines[0] !== QUEUE_FILE_MAGIC && lines[0] !== QUEUE_FILE_MAGIC_V2) {
    throw new CorruptQueueFileError("not a mailsrv queue file");
  }
  let arrival = NaN;
  let size = NaN;
  let sender: string | undefined;
  let seenId = "";
  const recipients: { address: string; status: RecipientStatus }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("rcpt=")) {
      const status = STATUS[line[5]];
      if (!status || line[6] !== " ") {
        throw new CorruptQueueFileError(`malformed recipient "${line}"`);
      }
      recipients.push({ address: decoded(line.slice(7)), status });
    } else if (line.startsWith("arrival=")) arrival = Number(line.slice(8));
    else if (line.startsWith("size=")) size = Number(line.slice(5));
    else if (line.startsWith("sender=")) sender = decoded(line.slice(7));
    else if (line.startsWith("id=")) seenId = line.slice(3);
  }
  if (seenId !== id) {
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
  let filled: number;
  {
    using file = Deno.openSync(path, { read: true });
    // One read: a queue file's header is written first and is short, so
    // it is all there unless the recipient list is long.
    filled = file.readSync(buffer) ?? 0;
  }
  const bytes = buffer.subarray(0, filled);
  const end = findHeaderEnd(bytes);
  if (end < 0) {
    // A long header (or a short read): the full parse reads what it needs.
    return readEnvelope(path, id);
  }
  return pickFields(decoder.decode(bytes.subarray(0, end - 2)), id);
}
