/**
 * Reading one stored message for RETR and TOP with synchronous calls.
 *
 * DESCRIPTION
 *   `openMessageFile` opens a Maildir file; `messageRange` reads a byte
 *   range of an mbox through the session's own descriptor. Both give a
 *   `MessageReader`: the connection reads it into a buffer it reuses, so
 *   a small message costs one open, one read and one close (Maildir) or
 *   one seek and one read (mbox), and no allocation per message.
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

/**
 * Bytes `start` to `end` of an open file (the mbox the session holds).
 * The caller keeps the file open and closes it.
 */
export function messageRange(
  file: Deno.FsFile,
  start: number,
  end: number,
): MessageReader {
  let at = start;
  let positioned = false;
  return {
    read(buffer) {
      if (at >= end) return null;
      if (!positioned) {
        // One descriptor, one reader at a time: reads need no re-seek.
        file.seekSync(at, Deno.SeekMode.Start);
        positioned = true;
      }
      const want = Math.min(buffer.length, end - at);
      const count = file.readSync(buffer.subarray(0, want));
      if (count === null || count === 0) {
        throw new Error("Mailbox shrank while being read");
      }
      at += count;
      return count;
    },
    close() {
      at = end;
    },
  };
}
