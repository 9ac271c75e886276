/**
 * Reading one stored message for RETR and TOP with synchronous calls.
 *
 * DESCRIPTION
 *   `openMessageFile` opens a Maildir file; `MboxRanges` reads byte
 *   ranges of an mbox through the session's own descriptor and a window
 *   read ahead. Both give a `MessageReader`: the connection reads it into
 *   a buffer it reuses, so a small message costs one open, one read and
 *   one close (Maildir) or a copy out of the window (mbox: one seek and
 *   one read per 128 KiB), and no allocation per message.
 *
 *   A read shorter than asked of a regular file means its end (Linux
 *   read(2) on a regular file), so the next call answers null without
 *   another system call; a Maildir file never changes once delivered.
 *
 *   Used by the POP3 maildrops; needs read access to the mailbox.
 */
import type { MessageReader } from "./types.ts";

/** The whole file at `path`, opened now. */
export function openMessageFile(path: string): MessageReader {
  const file = Deno.openSync(path, { read: true });
  let ended = false;
  let closed = false;
  return {
    read(buffer) {
      if (ended) return null;
      const count = file.readSync(buffer);
      if (count === null || count < buffer.length) ended = true;
      return count === 0 ? null : count;
    },
    close() {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}

/** Bytes read ahead from an mbox at a time (several small messages). */
export const MBOX_WINDOW_SIZE = 128 * 1024;

/**
 * Byte ranges of an open file (the mbox the session holds), read through
 * a window of MBOX_WINDOW_SIZE bytes: a client fetching messages in order
 * costs one seek and one read per window, not per message. A range as
 * large as the window is read straight into the caller's buffer.
 * The caller keeps the file open and closes it; `drop` frees the window.
 */
export class MboxRanges {
  readonly #file: Deno.FsFile;
  #window: Uint8Array | null = null;
  /** File offset of the window's first byte, and how many bytes it holds. */
  #windowStart = 0;
  #windowLength = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Bytes `start` to `end` of the file, as a reader. */
  range(start: number, end: number): MessageReader {
    let at = start;
    let positioned = false;
    return {
      read: (buffer) => {
        if (at >= end) return null;
        const want = Math.min(buffer.length, end - at);
        let count: number;
        if (end - at >= MBOX_WINDOW_SIZE) {
          // A large message: no copy through the window.
          if (!positioned) this.#file.seekSync(at, Deno.SeekMode.Start);
          positioned = true;
          count = this.#file.readSync(buffer.subarray(0, want)) ?? 0;
        } else {
          count = this.#copy(at, buffer.subarray(0, want));
          positioned = false;
        }
        if (count === 0) throw new Error("Mailbox shrank while being read");
        at += count;
        return count;
      },
      close: () => {
        at = end;
      },
    };
  }

  /** Frees the window (the session is over). */
  drop(): void {
    this.#window = null;
    this.#windowLength = 0;
  }

  /** Copies from the window at file offset `at`, refilling it there if needed. */
  #copy(at: number, into: Uint8Array): number {
    let offset = at - this.#windowStart;
    if (offset < 0 || offset >= this.#windowLength) {
      const window = this.#window ??= new Uint8Array(MBOX_WINDOW_SIZE);
      this.#file.seekSync(at, Deno.SeekMode.Start);
      this.#windowStart = at;
      this.#windowLength = 0;
      // Fill the window: a regular file may still answer a short read.
      while (this.#windowLength < window.length) {
        const count = this.#file.readSync(
          window.subarray(this.#windowLength),
        );
        if (count === null || count === 0) break;
        this.#windowLength += count;
      }
      offset = 0;
      if (this.#windowLength === 0) return 0;
    }
    const count = Math.min(into.length, this.#windowLength - offset);
    into.set(this.#window!.subarray(offset, offset + count));
    return count;
  }
}
