/**
 * The defer logfile `defer/<id>`: why recipients of a message were deferred.
 *
 * DESCRIPTION
 *   One line per deferred recipient, `address: reason`, rewritten after
 *   each delivery attempt that defers someone, as Postfix keeps
 *   defer/<id> for `postqueue -p`. It is informational only: the queue
 *   file's status bytes decide what is delivered, so this file is written
 *   without fsync and a missing or damaged one only costs the listing its
 *   `(reason)` lines.
 *
 *   In the address, '%', ':', space and control characters are written as
 *   %XX, so the first ": " always ends it; in the reason, control
 *   characters become spaces, so each entry stays on one line.
 *
 *   Pure functions; the queue store reads and writes the file.
 */
import {
  CorruptQueueFileError,
  decodeValue,
  isControlCharacter,
  percentEncode,
  withoutControlCharacters,
} from "./queue_file.ts";

/** Why one recipient was deferred. */
export interface DeferReason {
  readonly recipient: string;
  readonly reason: string;
}

function encodeAddress(address: string): string {
  return percentEncode(
    address,
    (c) => c === "%" || c === ":" || c === " " || isControlCharacter(c),
  );
}

/** Formats the contents of a defer logfile. */
export function formatDeferReasons(reasons: readonly DeferReason[]): string {
  return reasons
    .map(({ recipient, reason }) =>
      `${encodeAddress(recipient)}: ${withoutControlCharacters(reason)}\n`
    )
    .join("");
}

/**
 * Parses a defer logfile into recipient → reason. Lines that do not parse
 * are skipped: the file is informational and must never stop a listing.
 */
export function parseDeferReasons(text: string): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon <= 0) continue;
    try {
      reasons.set(decodeValue(line.slice(0, colon)), line.slice(colon + 2));
    } catch (error) {
      if (!(error instanceof CorruptQueueFileError)) throw error;
    }
  }
  return reasons;
}
