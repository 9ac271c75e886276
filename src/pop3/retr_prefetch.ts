/**
 * Reading the next message ahead while the client takes in the last one.
 *
 * DESCRIPTION
 *   A client downloading a maildrop asks RETR 1, RETR 2, … and waits for
 *   each message before it asks for the next. Once pop3d has sent message
 *   n it has nothing to do until RETR n+1 arrives, while the client is
 *   busy reading n. `RetrPrefetch` uses that pause: the connection asks it
 *   to read and encode message n+1 (the bytes `transmitMessage` would
 *   send: CRLF line ends, dot-stuffing, `.CRLF`) into a buffer that keeps
 *   room in front for the replies, so RETR n+1 is answered with one
 *   write and no file access on the way. The file open (with the
 *   permission check's path resolution), the read and the encoding then
 *   overlap with the client's own work instead of adding to each round
 *   trip.
 *
 *   One message is held at a time, and only one whose encoded form fits
 *   in PREFETCH_LIMIT; a larger one is streamed by `transmitMessage` as
 *   before. A prefetch that fails is forgotten: RETR then opens the
 *   message itself and reports the failure as usual. The maildrop never
 *   changes under a session (Maildir files are immutable, the mbox is
 *   locked), so the bytes read ahead are the bytes RETR would read.
 *
 *   Used by the pop3d adapter (`connection.ts`). No permissions beyond
 *   the maildrop's. Does NOT read ahead for TOP, nor guess any order but
 *   "the next message".
 */
import { createBufferPool } from "../common/buffer_pool.ts";
import { MessageEncoder } from "./transmit.ts";
import type { MessageReader } from "./types.ts";

/** The largest encoded message read ahead, in bytes. */
export const PREFETCH_LIMIT = 64 * 1024;
/** Room kept before the message for the replies (the RETR `+OK` last). */
const HEADROOM = 512;
/** Bytes read from the maildrop at a time. */
const READ_SIZE = 16 * 1024;
/** Room for the limit, one more encoded read (bytes at most doubled) and the end. */
const BUFFER_SIZE = HEADROOM + PREFETCH_LIMIT + 2 * READ_SIZE + 8;
/** Buffers of sessions that ended, kept for new ones. */
const POOLED = 8;
const buffers = createBufferPool(BUFFER_SIZE, POOLED);
const inputs = createBufferPool(READ_SIZE, POOLED);
const textEncoder = new TextEncoder();

/** One session's message read ahead (at most one at a time). */
export class RetrPrefetch {
  #buffer: Uint8Array | null = null;
  /** The message held, or -1. */
  #index = -1;
  /** End of its encoded bytes in the buffer (they start at HEADROOM). */
  #end = 0;
  /** The buffer's room kept for the replies, as a view made once. */
  #room: Uint8Array | null = null;

  /** Whether message `index` is ready to send. */
  holds(index: number): boolean {
    return this.#index === index && this.#buffer !== null;
  }

  /**
   * Reads and encodes message `index` (opened by `open`), replacing what
   * was held. Never throws: a message that cannot be read or is larger
   * than PREFETCH_LIMIT is simply not held. Call only when no write of
   * an earlier prepared message is still under way.
   */
  prepare(index: number, open: (index: number) => MessageReader): void {
    this.#index = -1;
    let reader: MessageReader;
    try {
      reader = open(index);
    } catch {
      return;
    }
    const input = inputs.take();
    try {
      const buffer = this.#buffer ??= buffers.take();
      const encoder = new MessageEncoder(null);
      let o = HEADROOM;
      for (;;) {
        const count = reader.read(input);
        if (count === null) break;
        o = encoder.pushInto(input.subarray(0, count), buffer, o);
        if (o - HEADROOM > PREFETCH_LIMIT) return;
      }
      this.#end = encoder.finishInto(buffer, o);
      this.#index = index;
    } catch {
      // Not held: RETR opens the message and reports what went wrong.
    } finally {
      inputs.give(input);
      try {
        reader.close();
      } catch {
        this.#index = -1;
      }
    }
  }

  /**
   * Sends `head` (the replies not yet written, the RETR `+OK` last) and
   * the message held for `index`, in one write when `head` fits in the
   * room kept for it; then forgets the message.
   * @throws RangeError when `index` is not held; whatever `write` throws
   */
  async send(
    index: number,
    head: Uint8Array,
    write: (bytes: Uint8Array) => Promise<void>,
  ): Promise<void> {
    const buffer = this.#buffer;
    if (buffer === null || this.#index !== index) {
      throw new RangeError(`Message index ${index} was not read ahead`);
    }
    this.#index = -1;
    if (head.length <= HEADROOM) {
      buffer.set(head, HEADROOM - head.length);
      await write(buffer.subarray(HEADROOM - head.length, this.#end));
      return;
    }
    await write(head);
    await write(buffer.subarray(HEADROOM, this.#end));
  }

  /**
   * The bytes of one write for RETR `index`: `replies` (the replies not
   * yet written, the RETR `+OK` last) encoded into the room kept before
   * the message held, then the message; null when they do not fit in
   * that room (then `send` them). Forgets the message; the bytes stay
   * valid until the next `prepare`. No allocation but the result's view.
   * @throws RangeError when `index` is not held
   */
  take(index: number, replies: string): Uint8Array | null {
    const buffer = this.#buffer;
    if (buffer === null || this.#index !== index) {
      throw new RangeError(`Message index ${index} was not read ahead`);
    }
    // Encoded at the buffer's start, then moved up against the message.
    const room = this.#room ??= buffer.subarray(0, HEADROOM);
    const { read, written } = textEncoder.encodeInto(replies, room);
    if (read < replies.length) return null;
    this.#index = -1;
    const start = HEADROOM - written;
    buffer.copyWithin(start, 0, written);
    return buffer.subarray(start, this.#end);
  }

  /**
   * The session is over: the buffer goes back to the pool. Only when no
   * write from it can still be under way (`sent` true), else it is dropped.
   */
  close(sent: boolean): void {
    this.#index = -1;
    if (this.#buffer !== null && sent) buffers.give(this.#buffer);
    this.#buffer = null;
    this.#room = null;
  }
}
