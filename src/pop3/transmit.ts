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
 *   `transmitMessage` reads a maildrop's `MessageReader` into a pooled
 *   buffer and encodes into another, after the replies still to be sent
 *   (the `+OK` of the RETR among them): a message up to 64 KiB goes out
 *   in one write with its reply and terminator, a larger one in 64 KiB
 *   writes, each awaited (backpressure). It stops reading once TOP has
 *   what it needs, and always closes the reader.
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
import { createBufferPool } from "../common/buffer_pool.ts";
import type { MessageReader } from "./types.ts";

const CR = 13;
const LF = 10;
const DOT = 46;
const TERMINATOR = new Uint8Array([DOT, CR, LF]);
/** Bytes read from the maildrop at a time. */
const READ_SIZE = 32 * 1024;
/** Encoded bytes gathered before a write. */
const WRITE_SIZE = 64 * 1024;
/** Room for a write's worth, one encoded read (each byte at most doubled), CRLF and `.CRLF`. */
const OUTPUT_SIZE = WRITE_SIZE + 2 * READ_SIZE + 8;
/** Buffers of sessions sending at the same time; more are dropped after use. */
const POOLED = 8;
const inputs = createBufferPool(READ_SIZE, POOLED);
const outputs = createBufferPool(OUTPUT_SIZE, POOLED);

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
  /** For `push` only (tests); made on first use, not per message sent. */
  #scratch: Uint8Array | null = null;

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
    if (this.#scratch === null || this.#scratch.length < chunk.length * 2) {
      this.#scratch = new Uint8Array(chunk.length * 2);
    }
    return this.#scratch.subarray(0, this.pushInto(chunk, this.#scratch, 0));
  }

  /**
   * Encodes the next chunk into `out` from offset `at`, which must leave
   * room for twice the chunk. Returns the offset after the last byte.
   */
  pushInto(chunk: Uint8Array, out: Uint8Array, at: number): number {
    if (this.#bodyLinesLeft === null) return this.#pushWhole(chunk, out, at);
    let o = at;
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
    return o;
  }

  /**
   * RETR: every line, so no header or line counting; the state lives in
   * locals for the loop (a private field per byte costs twice the time).
   */
  #pushWhole(chunk: Uint8Array, out: Uint8Array, at: number): number {
    let o = at;
    let lineStart = this.#lineStart;
    let lastWasCR = this.#lastWasCR;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) {
        if (!lastWasCR) out[o++] = CR;
        out[o++] = LF;
        lineStart = true;
        lastWasCR = false;
        continue;
      }
      if (lineStart) {
        if (b === DOT) out[o++] = DOT;
        lineStart = false;
      }
      out[o++] = b;
      lastWasCR = b === CR;
    }
    this.#lineStart = lineStart;
    this.#lastWasCR = lastWasCR;
    return o;
  }

  /** The end of the message: a CRLF if the last line had none, then `.CRLF`. */
  finish(): Uint8Array {
    const out = new Uint8Array(5);
    return out.subarray(0, this.finishInto(out, 0));
  }

  /** Writes the end of the message into `out` at `at` (5 bytes of room); the offset after it. */
  finishInto(out: Uint8Array, at: number): number {
    let o = at;
    if (!this.#lineStart) {
      this.#lineStart = true;
      out[o++] = CR;
      out[o++] = LF;
    }
    out.set(TERMINATOR, o);
    return o + TERMINATOR.length;
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
 * Sends `head` (replies not yet written, the RETR or TOP `+OK` last),
 * then the message from `reader`, encoded for RETR (`bodyLines` null) or
 * TOP, ending with `.CRLF`; closes `reader`.
 * @throws whatever reading or `write` throws
 */
export async function transmitMessage(
  head: Uint8Array,
  reader: MessageReader,
  write: (bytes: Uint8Array) => Promise<void>,
  bodyLines: number | null,
): Promise<void> {
  const encoder = new MessageEncoder(bodyLines);
  const input = inputs.take();
  const output = outputs.take();
  let sent = false;
  try {
    let o = 0;
    if (head.length > WRITE_SIZE) await write(head);
    else {
      output.set(head);
      o = head.length;
    }
    while (!encoder.done) {
      const count = reader.read(input);
      if (count === null) break;
      o = encoder.pushInto(input.subarray(0, count), output, o);
      if (o >= WRITE_SIZE) {
        await write(output.subarray(0, o));
        o = 0;
      }
    }
    o = encoder.finishInto(output, o);
    await write(output.subarray(0, o));
    sent = true;
  } finally {
    reader.close();
    inputs.give(input);
    // A write that timed out may still be under way: never reuse its buffer.
    if (sent) outputs.give(output);
  }
}
