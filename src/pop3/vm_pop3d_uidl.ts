/**
 * vm-pop3d 1.1.7's mbox UIDL, reproduced byte for byte.
 *
 * DESCRIPTION
 *   A mailbox that moves from vm-pop3d to mailsrv keeps its UIDLs, so
 *   clients that leave mail on the server do not fetch it all again. The
 *   rule, read in vm-pop3d 1.1.7's `extra.c` (pop3_getsizes) and
 *   `uidl.c` (the DirectAdmin 1.1.7f tarball; upstream's own 1.1.7
 *   tarball was not found, and its CHANGES entry of 28/Nov/2002 describes
 *   this code):
 *
 *   - the mbox is read with `fgets(buf, 128, mbox)`, so a line longer
 *     than 127 bytes arrives as several pieces ("fragments") of at most
 *     127 bytes, the last one ending in LF;
 *   - after each `From ` separator line an MD5 context starts; the first
 *     26 fragments that follow (`line_count++ < 26`; CHANGES says "first
 *     25 lines") are hashed; the separator line itself is not;
 *   - a fragment ending in LF is hashed with the NUL that fgets stored
 *     after it (`len++` happens before `md5_process_bytes`), so "abc\n"
 *     hashes as the 5 bytes "abc\n\0"; a 127-byte piece of a long line is
 *     hashed as its 127 bytes;
 *   - a last line without LF at the end of the file is measured with
 *     `memchr(buf, '\n', 128)`, which looks past the NUL into what earlier
 *     fgets calls left in the buffer: the hash takes the bytes up to and
 *     including such a stale LF plus one, or 127 bytes if there is none.
 *     This module keeps the same 128-byte buffer to get that right
 *     (assuming vm-pop3d's never-written stack bytes were zero);
 *   - the UIDL is the digest in lower-case hex (32 characters).
 *
 *   Where a message begins is the caller's business (`mbox_scan.ts`).
 *   This module does not read files, and does not make UIDLs unique:
 *   vm-pop3d gives identical messages identical UIDLs.
 *
 *   Used by the POP3 role (mbox maildrops).
 */
import { createHash } from "node:crypto";

/** vm-pop3d's FREAD_SIZE: fgets stores at most 127 bytes and a NUL. */
const FREAD_SIZE = 128;
/** Fragments hashed per message (`line_count++ < 26`). */
const HASHED_FRAGMENTS = 26;
const LF = 0x0a;

/** What the bytes being read belong to. */
type Part = "preamble" | "separator" | "body";

/**
 * Follows one scan of an mbox the way vm-pop3d's fgets loop reads it and
 * computes each message's UIDL. Feed every byte of the file, in order,
 * to `write`; call `beginMessage` just before a `From ` line's bytes and
 * `endMessage` at the next one or at the end of the file.
 */
export class VmPop3dUidl {
  /** The fgets buffer; stale bytes matter (see the module comment). */
  readonly #buffer = new Uint8Array(FREAD_SIZE);
  /** Bytes in the fragment being read. */
  #fragmentLength = 0;
  #part: Part = "preamble";
  #hashed = 0;
  /**
   * The bytes the message's MD5 takes, gathered for one update at its
   * end (an update per fragment is a call into the runtime each).
   */
  readonly #hashInput = new Uint8Array(HASHED_FRAGMENTS * FREAD_SIZE);
  #hashLength = 0;
  #begun = false;

  /** A `From ` separator line starts with the next byte written. */
  beginMessage(): void {
    this.#part = "separator";
    this.#hashed = 0;
    this.#hashLength = 0;
    this.#begun = true;
  }

  /** Consumes the next bytes of the mbox file. */
  write(bytes: Uint8Array): void {
    this.writeRange(bytes, 0, bytes.length);
  }

  /**
   * Consumes bytes `start` to `end` of `bytes`, the next of the file: as
   * `write`, without a view of them (a scan calls this for every line).
   */
  writeRange(bytes: Uint8Array, start: number, end: number): void {
    const buffer = this.#buffer;
    let position = start;
    while (position < end) {
      const limit = Math.min(
        end,
        position + FREAD_SIZE - 1 - this.#fragmentLength,
      );
      let at = this.#fragmentLength;
      let newline = false;
      // Lines are short: a byte loop copies them without a view each.
      while (position < limit) {
        const byte = bytes[position++];
        buffer[at++] = byte;
        if (byte === LF) {
          newline = true;
          break;
        }
      }
      this.#fragmentLength = at;
      if (newline || at === FREAD_SIZE - 1) this.#completeFragment(newline);
    }
  }

  /**
   * Ends the current message and returns its UIDL.
   * @param atEndOfFile true when the file ends here: an unfinished last
   *   line is then hashed as vm-pop3d measures it
   */
  endMessage(atEndOfFile: boolean): string {
    if (!this.#begun) throw new Error("No message was begun");
    if (atEndOfFile && this.#fragmentLength > 0) this.#finishLastFragment();
    this.#begun = false;
    this.#part = "preamble";
    return createHash("md5")
      .update(this.#hashInput.subarray(0, this.#hashLength))
      .digest("hex");
  }

  /** A fragment that fgets returned whole (ending in LF, or 127 bytes). */
  #completeFragment(endsInNewline: boolean): void {
    const length = this.#fragmentLength;
    this.#buffer[length] = 0;
    this.#fragmentLength = 0;
    if (this.#part === "separator") {
      if (endsInNewline) this.#part = "body";
      return;
    }
    if (this.#part === "body" && this.#hashed++ < HASHED_FRAGMENTS) {
      // The NUL after a line is hashed too (vm-pop3d's `len++`).
      this.#hash(endsInNewline ? length + 1 : length);
    }
  }

  /** The file ended inside a line: fgets returns it without an LF. */
  #finishLastFragment(): void {
    const length = this.#fragmentLength;
    this.#buffer[length] = 0;
    this.#fragmentLength = 0;
    if (this.#part !== "body" || this.#hashed++ >= HASHED_FRAGMENTS) return;
    // memchr over the whole buffer finds a stale LF left by earlier lines.
    const stale = this.#buffer.indexOf(LF, length + 1);
    let measured = stale === -1 ? FREAD_SIZE - 1 : stale + 1;
    if (measured <= FREAD_SIZE - 1 && this.#buffer[measured - 1] === LF) {
      measured++;
    }
    this.#hash(measured);
  }

  /** Adds the first `length` bytes of the fgets buffer to the message's hash. */
  #hash(length: number): void {
    if (!this.#begun) return;
    const input = this.#hashInput;
    const buffer = this.#buffer;
    let at = this.#hashLength;
    for (let i = 0; i < length; i++) input[at++] = buffer[i];
    this.#hashLength = at;
  }
}
