/**
 * The DATA reader: message content from the bytes after DATA.
 *
 * DESCRIPTION
 *   `DotReader` is a small state machine on bytes, in the manner of qmail's
 *   blast() and chasquid's dotreader. It is fed the bytes that follow the
 *   DATA command, chunk by chunk, and returns the message content as
 *   stored in the queue: dot-unstuffed (RFC 5321 section 4.5.2), with LF
 *   line ends.
 *
 *   The end of data is `<CRLF>.<CRLF>` and nothing else. The CRLF that
 *   ended the DATA command is the first CRLF, so a `.` CRLF right away is
 *   an empty message. Bytes after the end (pipelined commands) come back
 *   as `rest`.
 *
 *   Bare newlines (a CR not followed by LF, an LF not preceded by CR)
 *   follow Postfix 3.9's `smtpd_forbid_bare_newline = normalize`: each one
 *   ends a line of stored content, and the line after it is unstuffed
 *   like any other (clients that send LF-only text stuff dots after LF),
 *   but a lone `.` ends the data only between two real CRLFs. `\n.\n`,
 *   `\r.\r`, `\n.\r\n`, `\r\n.\n`, `\r\n.\r` and their kin stay content
 *   (the `.` will be dot-stuffed again on relay; Postfix drops it): no
 *   message can be smuggled past the end of another (the SMTP smuggling
 *   research of December 2023). The reader only reports that it saw a
 *   bare newline; smtpd refuses the message for
 *   `smtpd_forbid_bare_newline = reject`.
 *
 *   It counts the content size and stops producing content, but keeps
 *   reading to the end of data, once the size exceeds the limit, so an
 *   oversized message costs no memory. It notes any line longer than 998
 *   octets before its line end (RFC 5321 section 4.5.3.1.6), counted as
 *   sent, stuffing dot included.
 *
 *   Used by the smtpd adapter.
 *
 *   Does NOT look at headers or MIME, and does NOT decide what to do
 *   with an oversized, long-lined or bare-newline message: smtpd does.
 */

/** What the reader saw, for smtpd's verdict on the message. */
export interface DotReaderSummary {
  /** Content bytes as stored (LF line ends), counted past the limit too. */
  readonly size: number;
  /** The content exceeded the size limit; content past it was dropped. */
  readonly overLimit: boolean;
  /** A bare CR or bare LF was seen. */
  readonly bareNewline: boolean;
  /** A line was longer than 998 octets (1000 with CRLF). */
  readonly longLine: boolean;
}

/** What one `feed` produced. */
export interface DotReaderOutput {
  /**
   * Content for the queue file (LF line ends); may be empty. Valid until
   * the next `feed`: it may live in the reader's scratch buffer.
   */
  readonly content: Uint8Array;
  /** The end of data was reached. */
  readonly done: boolean;
  /** Bytes after the end of data (pipelined commands); empty until done. */
  readonly rest: Uint8Array;
}

/** Longest text line without its CRLF (RFC 5321 section 4.5.3.1.6). */
export const MAX_TEXT_LINE = 998;

const CR = 13;
const LF = 10;
const DOT = 46;
const EMPTY = new Uint8Array(0);

/** Where the reader is: what the bytes seen so far may still become. */
const enum At {
  /** Start of a line that follows a real CRLF (or DATA's own CRLF). */
  LineStart,
  /** Start of a line that follows a bare CR or LF. */
  BareLineStart,
  /** Inside a line. */
  Text,
  /** After CR inside a line: CRLF, or a bare CR. */
  Cr,
  /** After `.` at a LineStart: stuffing, or the end of data. */
  Dot,
  /** After `.` at a BareLineStart: stuffing, or a `.` line that stays. */
  BareDot,
  /** After `.` CR at a LineStart: the end, if LF follows. */
  DotCr,
  /** The end of data was read. */
  End,
}

/**
 * Reads one message's content. One reader per DATA command: it holds the
 * state of the line being read across chunks.
 */
export class DotReader {
  #at: At = At.LineStart;
  #size = 0;
  #lineLength = 0;
  #overLimit = false;
  #bareNewline = false;
  #longLine = false;
  #out: Uint8Array = EMPTY;
  #outLength = 0;
  readonly #sizeLimit: number;
  readonly #scratch: Uint8Array;

  /**
   * A reader for one message.
   * @param sizeLimit content bytes allowed; Infinity for no limit
   * @param scratch buffer to produce content in when a chunk fits (chunk
   *   length + 2); spares an allocation per read
   */
  constructor(sizeLimit: number, scratch: Uint8Array = EMPTY) {
    this.#sizeLimit = sizeLimit;
    this.#scratch = scratch;
  }

  /** What the reader saw so far (complete once `feed` returned done). */
  get summary(): DotReaderSummary {
    return {
      size: this.#size,
      overLimit: this.#overLimit,
      bareNewline: this.#bareNewline,
      longLine: this.#longLine,
    };
  }

  /**
   * Reads the next bytes of the DATA stream.
   * @param chunk bytes as received; not kept after the call (only `rest`
   *   may point into it)
   */
  feed(chunk: Uint8Array): DotReaderOutput {
    if (this.#at === At.End) {
      throw new Error("DotReader.feed called after the end of data");
    }
    // Output never exceeds input, except for the two bytes a held `.` CR may release.
    const room = chunk.length + 2;
    this.#out = this.#scratch.length >= room
      ? this.#scratch
      : new Uint8Array(room);
    this.#outLength = 0;
    const end = this.#scan(chunk);
    const content = this.#out.subarray(0, this.#outLength);
    this.#out = EMPTY;
    if (end < 0) return { content, done: false, rest: EMPTY };
    return { content, done: true, rest: chunk.subarray(end) };
  }

  /** Runs the state machine over `chunk`; returns the index after the end, or -1. */
  #scan(chunk: Uint8Array): number {
    const length = chunk.length;
    let i = 0;
    let nextCr = -2;
    let nextLf = -2;
    while (i < length) {
      switch (this.#at) {
        case At.LineStart:
        case At.BareLineStart:
          if (chunk[i] === DOT) {
            this.#at = this.#at === At.LineStart ? At.Dot : At.BareDot;
            this.#lineLength = 1;
            i++;
          } else this.#at = At.Text;
          break;
        case At.BareDot: {
          // A lone `.` after a bare newline is content; else it is stuffing.
          const b = chunk[i];
          if (b === CR || b === LF) this.#emitByte(DOT);
          this.#at = At.Text;
          break;
        }
        case At.Dot: {
          const b = chunk[i];
          if (b === CR) {
            this.#at = At.DotCr;
            i++;
          } else if (b === LF) {
            // `.` then bare LF: the dot stays content.
            this.#emitByte(DOT);
            this.#at = At.Text;
          } else this.#at = At.Text; // stuffing: the dot is dropped
          break;
        }
        case At.DotCr:
          if (chunk[i] === LF) {
            this.#at = At.End;
            return i + 1;
          }
          // `.` then bare CR: both stay, the CR as a line end.
          this.#emitByte(DOT);
          this.#endLine(true);
          break;
        case At.Cr:
          if (chunk[i] === LF) {
            i++;
            this.#endLine(false);
          } else this.#endLine(true);
          break;
        case At.Text: {
          if (nextCr < i && nextCr !== -1) nextCr = chunk.indexOf(CR, i);
          if (nextLf < i && nextLf !== -1) nextLf = chunk.indexOf(LF, i);
          const stop = Math.min(
            nextCr < 0 ? length : nextCr,
            nextLf < 0 ? length : nextLf,
          );
          this.#emitText(chunk, i, stop);
          if (stop === length) return -1;
          i = stop + 1;
          if (chunk[stop] === CR) this.#at = At.Cr;
          else this.#endLine(true);
          break;
        }
        case At.End:
          return i;
      }
    }
    return -1;
  }

  /** Ends a content line with LF; a bare newline is noted. */
  #endLine(bare: boolean): void {
    if (bare) this.#bareNewline = true;
    this.#emitByte(LF);
    this.#lineLength = 0;
    this.#at = bare ? At.BareLineStart : At.LineStart;
  }

  #emitText(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n === 0) return;
    this.#lineLength += n;
    if (this.#lineLength > MAX_TEXT_LINE) this.#longLine = true;
    this.#size += n;
    if (this.#size > this.#sizeLimit) this.#overLimit = true;
    if (this.#overLimit) return;
    this.#out.set(chunk.subarray(from, to), this.#outLength);
    this.#outLength += n;
  }

  #emitByte(byte: number): void {
    this.#size++;
    if (this.#size > this.#sizeLimit) this.#overLimit = true;
    if (this.#overLimit) return;
    this.#out[this.#outLength++] = byte;
  }
}
