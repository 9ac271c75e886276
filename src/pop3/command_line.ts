/**
 * POP3 command lines from a byte stream.
 *
 * DESCRIPTION
 *   `Pop3LineReader` splits the bytes pop3d reads into command lines. A
 *   line ends at LF; a CR right before it is dropped. Bytes are searched
 *   with `indexOf` and decoded only once a line is complete.
 *
 *   RFC 2449 section 4 limits a command line to 255 octets with its CRLF.
 *   A longer line is not buffered: its bytes are dropped up to the next
 *   LF and it is reported once as too long, so the reply lines up with
 *   the command. At most 254 bytes of an unfinished line are kept between
 *   reads.
 *
 *   `discard` drops everything unread: after STLS, input that arrived
 *   before the handshake must not be taken as sent under TLS (RFC 2595
 *   section 4, the STARTTLS injection of CVE-2011-0411).
 *
 *   Used by the pop3d adapter. Pure.
 *
 *   Does NOT interpret commands.
 */

/** Longest command line, CRLF included (RFC 2449 section 4). */
export const POP3_LINE_LIMIT = 255;

/** A complete command line, or the notice that one was too long. */
export type Pop3Line =
  | { readonly kind: "line"; readonly text: string }
  | { readonly kind: "too-long" };

const CR = 13;
const LF = 10;
const EMPTY = new Uint8Array(0);
const MAX_TEXT = POP3_LINE_LIMIT - 2;
const decoder = new TextDecoder();

/** Splits pushed chunks into lines; one per connection. */
export class Pop3LineReader {
  #chunk: Uint8Array = EMPTY;
  #offset = 0;
  readonly #partial = new Uint8Array(MAX_TEXT + 1);
  #partialLength = 0;
  #discarding = false;

  /**
   * Hands over the next bytes read; the previous chunk must be used up
   * (`next` returned null). `chunk` is read in place until then.
   */
  push(chunk: Uint8Array): void {
    if (this.#offset < this.#chunk.length) {
      throw new Error("Pop3LineReader.push called before the chunk was read");
    }
    this.#chunk = chunk;
    this.#offset = 0;
  }

  /** The next complete line, or null when more input is needed. */
  next(): Pop3Line | null {
    const chunk = this.#chunk;
    if (this.#offset >= chunk.length) return null;
    const lf = chunk.indexOf(LF, this.#offset);
    if (lf < 0) {
      this.#keepPartial(chunk.subarray(this.#offset));
      this.#offset = chunk.length;
      return null;
    }
    const segment = chunk.subarray(this.#offset, lf);
    this.#offset = lf + 1;
    if (this.#discarding) {
      this.#discarding = false;
      this.#partialLength = 0;
      return { kind: "too-long" };
    }
    return this.#complete(segment);
  }

  /** Drops all unread input (see the module comment). */
  discard(): void {
    this.#chunk = EMPTY;
    this.#offset = 0;
    this.#partialLength = 0;
    this.#discarding = false;
  }

  #keepPartial(tail: Uint8Array): void {
    if (this.#discarding) return;
    if (this.#partialLength + tail.length > this.#partial.length) {
      this.#discarding = true;
      this.#partialLength = 0;
      return;
    }
    this.#partial.set(tail, this.#partialLength);
    this.#partialLength += tail.length;
  }

  #complete(segment: Uint8Array): Pop3Line {
    const held = this.#partialLength;
    this.#partialLength = 0;
    const total = held + segment.length;
    const last = segment.length > 0
      ? segment[segment.length - 1]
      : this.#partial[held - 1];
    const length = total > 0 && last === CR ? total - 1 : total;
    if (length > MAX_TEXT) return { kind: "too-long" };
    if (held === 0) {
      return {
        kind: "line",
        text: decoder.decode(segment.subarray(0, length)),
      };
    }
    const line = new Uint8Array(total);
    line.set(this.#partial.subarray(0, held));
    line.set(segment, held);
    return { kind: "line", text: decoder.decode(line.subarray(0, length)) };
  }
}
