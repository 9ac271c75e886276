/**
 * Command lines from a byte stream, for smtpd and pop3d.
 *
 * DESCRIPTION
 *   `CommandLineReader` splits the bytes a server reads into command lines.
 *   A command ends at LF; a CR right before it is dropped, so both CRLF
 *   and a bare LF end a command, as Postfix accepts. Bytes are searched
 *   with `indexOf`, never decoded before a line is complete.
 *
 *   RFC 5321 section 4.5.3.1.4 limits a command line to 512 octets with
 *   its CRLF (the default here; pop3d passes RFC 2449's 255). A longer line is not buffered: its bytes are dropped up to
 *   the next LF, then the reader reports it once as too long, so the
 *   reply lines up with the command and the line's tail is never taken
 *   for a command of its own. At most 511 bytes of an unfinished line are
 *   kept between reads.
 *
 *   After DATA, `takeRest` hands the unread bytes to the DATA reader.
 *
 *   Used by the smtpd and pop3d adapters; `nextCommandEvent` is the read
 *   loop they share.
 *
 *   Does NOT interpret commands, and does NOT copy complete lines that
 *   lie within one read: they are decoded in place.
 */
import type { IoDeadline } from "../common/io_deadline.ts";

/** Longest command line, CRLF included (RFC 5321 section 4.5.3.1.4). */
export const COMMAND_LINE_LIMIT = 512;

/** A complete command line, or the notice that one was too long. */
export type CommandLine =
  | { readonly kind: "line"; readonly text: string }
  | { readonly kind: "too-long" };

const CR = 13;
const LF = 10;
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/**
 * Splits pushed chunks into command lines; holds the unfinished tail of a
 * line between reads, so it has a lifetime (one per connection).
 */
export class CommandLineReader {
  #chunk: Uint8Array = EMPTY;
  #offset = 0;
  /** Text before CRLF may be `limit - 2` octets. */
  readonly #maxText: number;
  /** The text, plus one byte for a CR awaiting its LF. */
  readonly #partial: Uint8Array;
  #partialLength = 0;
  #discarding = false;

  /**
   * @param limit the longest line with its CRLF (SMTP 512, RFC 5321
   *   section 4.5.3.1.4; POP3 255, RFC 2449 section 4)
   */
  constructor(limit: number = COMMAND_LINE_LIMIT) {
    this.#maxText = limit - 2;
    this.#partial = new Uint8Array(limit - 1);
  }

  /**
   * Hands the reader the next bytes read. The previous chunk must be used
   * up (`next` returned null); `chunk` is read in place until then, so
   * the caller may reuse its buffer only afterwards.
   */
  push(chunk: Uint8Array): void {
    if (this.#offset < this.#chunk.length) {
      throw new Error(
        "CommandLineReader.push called before the previous chunk was read",
      );
    }
    this.#chunk = chunk;
    this.#offset = 0;
  }

  /** The next complete command line, or null when more input is needed. */
  next(): CommandLine | null {
    const chunk = this.#chunk;
    while (this.#offset < chunk.length) {
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
        return { kind: "too-long" };
      }
      return this.#complete(segment);
    }
    return null;
  }

  /**
   * Takes the unread bytes of the current chunk (the start of the message
   * after DATA). Only valid right after `next` returned a line.
   */
  takeRest(): Uint8Array {
    if (this.#partialLength > 0 || this.#discarding) {
      throw new Error("CommandLineReader.takeRest called inside a line");
    }
    const rest = this.#chunk.subarray(this.#offset);
    this.#offset = this.#chunk.length;
    return rest;
  }

  /**
   * Drops all unread input: after STLS/STARTTLS, bytes that arrived before
   * the handshake must not count as sent under TLS (RFC 2595 section 4,
   * the injection of CVE-2011-0411).
   */
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

  #complete(segment: Uint8Array): CommandLine {
    const held = this.#partialLength;
    this.#partialLength = 0;
    const total = held + segment.length;
    const lastByte = segment.length > 0
      ? segment[segment.length - 1]
      : this.#partial[held - 1];
    const textLength = total > 0 && lastByte === CR ? total - 1 : total;
    if (textLength > this.#maxText) return { kind: "too-long" };
    if (held === 0) {
      return {
        kind: "line",
        text: decoder.decode(segment.subarray(0, textLength)),
      };
    }
    this.#partial.set(segment, held);
    return {
      kind: "line",
      text: decoder.decode(this.#partial.subarray(0, textLength)),
    };
  }
}

/** A command line as a session event. */
export type CommandEvent =
  | { readonly type: "command"; readonly line: string }
  | { readonly type: "command-too-long" };

/**
 * The next command of a session (SMTP or POP3): a line already buffered
 * in `lines`, else what reading brings — more bytes, pushed and split, or
 * why there are none (end of input, timeout, shutdown) as an event.
 * @param read fills `buffer`; a number of bytes, or why none came
 * @param deadline bounds the whole wait, replies and the next line, by
 *   one timeout (a byte a second does not extend it)
 */
export async function nextCommandEvent<Why extends string>(
  lines: CommandLineReader,
  buffer: Uint8Array,
  read: () => Promise<number | Why>,
  deadline: Pick<IoDeadline, "startRequest" | "endRequest">,
): Promise<CommandEvent | { readonly type: Why }> {
  deadline.startRequest();
  try {
    for (;;) {
      const line = lines.next();
      if (line !== null) {
        return line.kind === "line"
          ? { type: "command", line: line.text }
          : { type: "command-too-long" };
      }
      const outcome = await read();
      if (typeof outcome !== "number") return { type: outcome };
      lines.push(buffer.subarray(0, outcome));
    }
  } finally {
    deadline.endRequest();
  }
}
