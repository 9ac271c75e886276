/**
 * Message content as the DATA of an SMTP transaction (RFC 5321 §4.5.2).
 *
 * DESCRIPTION
 *   The queue keeps content with LF line ends. On the wire each line ends
 *   in CRLF, a line that starts with "." gets a second one (dot-stuffing),
 *   the last line is ended if it was not, and `.` CRLF ends the data.
 *   `DataEncoder` does this chunk by chunk, so a large message streams
 *   through without being held whole; lines are found with `indexOf`.
 *
 *   Pure. Used by the SMTP delivery agent.
 */

const LF = 10;
const DOT = 46;
const CRLF = new Uint8Array([13, 10]);
const END_OF_DATA = new TextEncoder().encode(".\r\n");
const LAST_LINE_END_OF_DATA = new TextEncoder().encode("\r\n.\r\n");

/** Encodes content chunks into DATA bytes; one per message. */
export class DataEncoder {
  #atLineStart = true;

  /** The DATA bytes for the next content chunk (maybe several parts). */
  encode(chunk: Uint8Array): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let from = 0;
    while (from < chunk.length) {
      if (this.#atLineStart && chunk[from] === DOT) {
        parts.push(chunk.subarray(from, from + 1));
      }
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) {
        parts.push(chunk.subarray(from));
        this.#atLineStart = false;
        break;
      }
      if (lf > from) parts.push(chunk.subarray(from, lf));
      parts.push(CRLF);
      this.#atLineStart = true;
      from = lf + 1;
    }
    return parts;
  }

  /** The bytes that end the data: CRLF if the last line lacked one, then `.` CRLF. */
  finish(): Uint8Array {
    return this.#atLineStart ? END_OF_DATA : LAST_LINE_END_OF_DATA;
  }
}
