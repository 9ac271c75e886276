/**
 * Sending a message for RETR and TOP, while it streams from the maildrop.
 *
 * DESCRIPTION
 *   `MessageEncoder` turns the message as stored (LF line ends; a CRLF
 *   already there is kept) into the POP3 multi-line form: CRLF line ends,
 *   a `.` doubled at the start of a line, a CRLF added if the last line
 *   has none, and the terminating `.CRLF`. For TOP it stops after the
 *   header section, the empty line, and the asked number of body lines.
 *   It works on chunks as they come and keeps only a few bits of state
 *   between them (was the last byte a CR, are we at a line start), so a
 *   line split across chunks is handled and no message is held whole.
 *
 *   `transmitMessage` pumps a maildrop stream through the encoder to a
 *   writer, one chunk at a time, awaiting each write (backpressure), and
 *   cancels the stream once TOP has what it needs.
 *
 *   Used by the pop3d adapter (`connection.ts`). No permissions.
 *
 * STANDARDS
 *   RFC 1939 section 3 (byte-stuffing, termination octet), sections 7
 *   (TOP: "the headers, the blank line separating the headers from the
 *   body, and then the number of lines of the indicated message's body").
 *
 *   Does NOT change bare CRs, nor count octets: the maildrop's size is the
 *   size announced.
 */

const CR = 13;
const LF = 10;
const DOT = 46;
const TERMINATOR = new Uint8Array([DOT, CR, LF]);

/** Streaming RETR/TOP encoder; one per message sent. */
export class MessageEncoder {
  /** Body lines still to send (TOP), or null for the whole message (RETR). */
  #bodyLinesLeft: number | null;
  #inBody = false;
  #lineStart = true;
  /** Bytes of the current line so far (to find the empty line ending the header). */
  #lineLength = 0;
  #lastWasCR = false;
  #done = false;
  #scratch = new Uint8Array(0);

  /** @param bodyLines body lines to send after the header (TOP), or null (RETR) */
  constructor(bodyLines: number | null) {
    this.#bodyLinesLeft = bodyLines;
  }

  /** True once TOP has sent all it should: the rest of the input is ignored. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Encodes the next chunk of the message. The result is valid until the
   * next call (it lives in a reused buffer).
   */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#scratch.length < chunk.length * 2) {
      this.#scratch = new Uint8Array(chunk.length * 2);
    }
    const out = this.#scratch;
    let o = 0;
    for (let i = 0; i < chunk.length && !this.#done; i++) {
      const b = chunk[i];
      if (this.#lineStart && this.#bodyLinesLeft === 0 && this.#inBody) {
        this.#done = true;
        break;
      }
      if (b === LF) {
        if (!this.#lastWasCR) out[o++] = CR;
        out[o++] = LF;
        this.#endLine();
        continue;
      }
      if (this.#lineStart && b === DOT) out[o++] = DOT;
      out[o++] = b;
      this.#lineStart = false;
      this.#lastWasCR = b === CR;
      this.#lineLength++;
    }
    if (this.#lineStart && this.#bodyLinesLeft === 0 && this.#inBody) {
      this.#done = true;
    }
    return out.subarray(0, o);
  }

  /** The end of the message: a CRLF if the last line had none, then `.CRLF`. */
  finish(): Uint8Array {
    if (this.#lineStart) return TERMINATOR;
    this.#lineStart = true;
    return new Uint8Array([CR, LF, ...TERMINATOR]);
  }

  #endLine(): void {
    const empty = this.#lineLength === 0 ||
      (this.#lineLength === 1 && this.#lastWasCR);
    if (this.#inBody) {
      if (this.#bodyLinesLeft !== null) this.#bodyLinesLeft--;
    } else if (empty) {
      this.#inBody = true;
    }
    this.#lineStart = true;
    this.#lastWasCR = false;
    this.#lineLength = 0;
  }
}

/**
 * Sends a message from `source` through `write`, encoded for RETR
 * (`bodyLines` null) or TOP, ending with `.CRLF`.
 * @throws whatever reading `source` or `write` throws; the stream is
 *   cancelled then
 */
export async function transmitMessage(
  source: ReadableStream<Uint8Array>,
  write: (bytes: Uint8Array) => Promise<void>,
  bodyLines: number | null,
): Promise<void> {
  const encoder = new MessageEncoder(bodyLines);
  const reader = source.getReader();
  try {
    while (!encoder.done) {
      const { value, done } = await reader.read();
      if (done) break;
      const bytes = encoder.push(value);
      if (bytes.length > 0) await write(bytes);
    }
    await write(encoder.finish());
  } finally {
    // Stops a TOP early, or a failed write; the maildrop closes its file.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
