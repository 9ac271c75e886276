/**
 * Recipient marks: a recipient's status byte, written in place.
 *
 * DESCRIPTION
 *   A queue file records each recipient's status in the byte right after
 *   `rcpt=` (P pending, D delivered, B bounced, W pending with a delay
 *   notice sent; docs/queue-format.md). `markRecipients` checks that
 *   every given offset really holds such a byte, then overwrites them
 *   with one byte write each and makes them durable with one fdatasync.
 *   A single byte lies inside one sector, so a crash leaves it old or
 *   new, never torn.
 *
 *   `markDelayWarned` writes `W` the same way but without the fdatasync:
 *   losing it in a crash only repeats a delay notice. It first sets the
 *   file's version digit to 2 (when it is 1), since `W` is a version 2
 *   feature; a crash
 *   that keeps the `W` but loses the digit leaves a file this parser
 *   still reads.
 *
 *   Used by the store for the queue manager (status_recorder.ts gathers
 *   the results that finish together into one call). Needs read and write
 *   permission on the queue file. Does NOT parse the rest of the file.
 */
import { readAt } from "./queue_file_reader.ts";
import {
  CorruptQueueFileError,
  DELAY_WARNED_BYTE,
  statusByte,
  statusFromByte,
  VERSION_2_BYTE,
  VERSION_OFFSET,
} from "./queue_file.ts";
import type { RecipientStatus } from "./types.ts";

const RCPT_PREFIX = new TextEncoder().encode("rcpt=");

/** Whether the byte at `offset` is a recipient status byte. */
function holdsStatus(file: Deno.FsFile, offset: number): boolean {
  const start = offset - RCPT_PREFIX.length;
  const bytes = start >= 0
    ? readAt(file, start, RCPT_PREFIX.length + 1)
    : new Uint8Array(0);
  return bytes.length === RCPT_PREFIX.length + 1 &&
    RCPT_PREFIX.every((b, i) => bytes[i] === b) &&
    statusFromByte(bytes[RCPT_PREFIX.length]) !== undefined;
}

/** Throws unless every offset holds a status byte. */
function checkOffsets(
  file: Deno.FsFile,
  id: string,
  offsets: readonly number[],
): void {
  for (const offset of offsets) {
    if (!holdsStatus(file, offset)) {
      throw new CorruptQueueFileError(
        `no recipient status at offset ${offset} of queue file "${id}"`,
      );
    }
  }
}

function writeByte(
  file: Deno.FsFile,
  id: string,
  byte: number,
  offsets: readonly number[],
): void {
  const bytes = new Uint8Array([byte]);
  for (const offset of offsets) {
    file.seekSync(offset, Deno.SeekMode.Start);
    if (file.writeSync(bytes) !== 1) {
      throw new Error(`Short write to queue file "${id}"`);
    }
  }
}

/**
 * Records that a delay notice went out for the pending recipients at
 * `offsets` (status `W`), and marks the file version 2. Not synced.
 * @throws CorruptQueueFileError when an offset holds no status byte
 */
export function markDelayWarned(
  path: string,
  id: string,
  offsets: readonly number[],
): void {
  if (offsets.length === 0) return;
  using file = Deno.openSync(path, { read: true, write: true });
  checkOffsets(file, id, offsets);
  // Raise the version to 2, never lower a version 3 file's.
  if (readAt(file, VERSION_OFFSET, 1)[0] < VERSION_2_BYTE) {
    writeByte(file, id, VERSION_2_BYTE, [VERSION_OFFSET]);
  }
  writeByte(file, id, DELAY_WARNED_BYTE, offsets);
}

/**
 * Records `status` for the recipients of queue file `path` (message `id`)
 * whose status bytes lie at `offsets`. Every offset is checked before
 * anything is written.
 * @throws CorruptQueueFileError when an offset holds no status byte
 */
export async function markRecipients(
  path: string,
  id: string,
  offsets: readonly number[],
  status: RecipientStatus,
): Promise<void> {
  if (offsets.length === 0) return;
  using file = Deno.openSync(path, { read: true, write: true });
  checkOffsets(file, id, offsets);
  writeByte(file, id, statusByte(status), offsets);
  await file.syncData();
}
