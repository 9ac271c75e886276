/**
 * mbox scanning for POP3: where each message lies, its POP3 size and UIDL.
 *
 * DESCRIPTION
 *   Reads an mbox as a stream of chunks (any size; a 1 GB mailbox costs
 *   memory for its index only) and finds the messages the way vm-pop3d
 *   1.1.7 does (`extra.c`, pop3_getsizes; `retr.c`; `quit.c`):
 *
 *   - a line starting with `From ` separates messages only when it is the
 *     first line of the file or follows an empty line. A `From ` line
 *     inside a body right after text is body text (mboxo/mboxrd writers
 *     quote it anyway). vm-pop3d reads 127-byte pieces, so a line of
 *     127, 254, … bytes before its LF also counts as empty there, and here
 *     (message numbers and UIDLs must match). vm-pop3d counts "\r\n" as
 *     text; this scanner counts it as empty, so an mbox written with CRLF
 *     line ends still splits into its messages (vm-pop3d shows one);
 *   - a message is the bytes after its `From ` line up to the next
 *     separator or the end of the file, the empty line before the next
 *     separator included (that is what vm-pop3d's RETR sends);
 *   - bytes before the first separator belong to no message;
 *   - the POP3 size is what RFC 1939 RETR transmits before byte-stuffing:
 *     every LF not already preceded by CR becomes CRLF (2 octets). vm-pop3d
 *     counts LF as 2 octets too, but also turns an existing CRLF into
 *     CR CR LF; mailsrv sends CRLF unchanged and counts it as 2. A last
 *     line without LF counts its bytes only;
 *   - the UIDL is vm-pop3d's (`vm_pop3d_uidl.ts`). vm-pop3d gives two
 *     identical messages the same UIDL (RFC 1939 §7 forbids that, and a
 *     client would skip the second); the second and later copies get
 *     `.2`, `.3`, … appended, the first keeps vm-pop3d's value.
 *
 *   Pure: no files, no clock. Used by the POP3 role (`maildrop_mbox.ts`).
 *   It does not unquote `>From ` lines: POP3 serves messages as stored.
 */
import { VmPop3dUidl } from "./vm_pop3d_uidl.ts";

/** Where one message lies in the mbox file, and what POP3 reports. */
export interface MboxMessageExtent {
  /** Offset of the message's `From ` separator line. */
  readonly separatorOffset: number;
  /** Offset of the first byte after the separator line. */
  readonly start: number;
  /** Offset just past the message's last byte. */
  readonly end: number;
  /** POP3 size in octets (LF counted as CRLF). */
  readonly size: number;
  /** vm-pop3d-compatible unique ID. */
  readonly uidl: string;
}

/** The messages of a scanned mbox. */
export interface MboxIndex {
  readonly messages: readonly MboxMessageExtent[];
  /** Bytes scanned (the file's length at the time). */
  readonly length: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SEPARATOR = new TextEncoder().encode("From ");
/** Longest piece of a line vm-pop3d's fgets(buf, 128, …) returns. */
const FGETS_PIECE = 127;

/** A message whose end is not known yet. */
interface OpenMessage {
  separatorOffset: number;
  start: number;
  size: number;
  inSeparator: boolean;
}

/** True if `bytes` at `at` starts with "From ". */
function startsWithSeparator(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < SEPARATOR.length; i++) {
    if (bytes[at + i] !== SEPARATOR[i]) return false;
  }
  return true;
}

/**
 * Incremental mbox scanner: `push` the file's bytes in order, then
 * `finish` for the index. Holds at most four bytes of input between calls.
 */
export class MboxScanner {
  readonly #uidl = new VmPop3dUidl();
  readonly #messages: MboxMessageExtent[] = [];
  readonly #seen = new Map<string, number>();
  /** Offset of the first byte not yet consumed. */
  #offset = 0;
  /** Up to four bytes of a line start, too few to tell a separator. */
  #carry: Uint8Array = new Uint8Array(0);
  #atLineStart = true;
  #lineLength = 0;
  #previousByte = -1;
  #previousLineEmpty = true;
  #current: OpenMessage | undefined;
  #finished = false;

  /** Consumes the next chunk of the file. */
  push(chunk: Uint8Array): void {
    if (this.#finished) throw new Error("The scan is already finished");
    let data = chunk;
    if (this.#carry.length > 0) {
      data = new Uint8Array(this.#carry.length + chunk.length);
      data.set(this.#carry);
      data.set(chunk, this.#carry.length);
      this.#carry = new Uint8Array(0);
    }
    this.#consume(data, false);
  }

  /** Ends the scan; the index of every message found. */
  finish(): MboxIndex {
    if (!this.#finished) {
      const rest = this.#carry;
      this.#carry = new Uint8Array(0);
      this.#consume(rest, true);
      this.#closeMessage(this.#offset, true);
      this.#finished = true;
    }
    return { messages: this.#messages, length: this.#offset };
  }

  #consume(data: Uint8Array, atEnd: boolean): void {
    let position = 0;
    while (position < data.length) {
      const newline = data.indexOf(LF, position);
      if (this.#atLineStart) {
        const available = (newline === -1 ? data.length : newline) - position;
        if (available < SEPARATOR.length && newline === -1 && !atEnd) {
          this.#carry = data.slice(position);
          return;
        }
        if (this.#previousLineEmpty && startsWithSeparator(data, position)) {
          this.#openMessage(this.#offset);
        }
        this.#atLineStart = false;
      }
      const end = newline === -1 ? data.length : newline + 1;
      this.#take(data, position, end, newline !== -1);
      position = end;
    }
  }

  /**
   * Accounts for one piece of a line, bytes `start` to `end` of `data`
   * (ending the line if `endsLine`); no view of it is made.
   */
  #take(data: Uint8Array, start: number, end: number, endsLine: boolean): void {
    this.#uidl.writeRange(data, start, end);
    const current = this.#current;
    const length = end - start;
    const beforeNewline = length >= 2 ? data[end - 2] : this.#previousByte;
    if (current !== undefined && !current.inSeparator) {
      current.size += length;
      if (endsLine && beforeNewline !== CR) current.size++;
    }
    this.#offset += length;
    this.#lineLength += length;
    if (!endsLine) {
      this.#previousByte = data[end - 1];
      return;
    }
    // vm-pop3d reads with fgets(128): a line of 127·k bytes ends in a
    // piece that is a lone LF, which it takes for an empty line.
    this.#previousLineEmpty = (this.#lineLength - 1) % FGETS_PIECE === 0 ||
      (this.#lineLength === 2 && beforeNewline === CR);
    if (current?.inSeparator) {
      current.inSeparator = false;
      current.start = this.#offset;
    }
    this.#previousByte = LF;
    this.#lineLength = 0;
    this.#atLineStart = true;
  }

  #openMessage(offset: number): void {
    this.#closeMessage(offset, false);
    this.#uidl.beginMessage();
    this.#current = {
      separatorOffset: offset,
      start: offset,
      size: 0,
      inSeparator: true,
    };
  }

  #closeMessage(end: number, atEndOfFile: boolean): void {
    const current = this.#current;
    if (current === undefined) return;
    this.#current = undefined;
    const start = current.inSeparator ? end : current.start;
    this.#messages.push({
      separatorOffset: current.separatorOffset,
      start,
      end,
      size: current.size,
      uidl: this.#unique(this.#uidl.endMessage(atEndOfFile)),
    });
  }

  /** The first copy keeps its UIDL; later copies get `.2`, `.3`, … */
  #unique(uidl: string): string {
    const count = (this.#seen.get(uidl) ?? 0) + 1;
    this.#seen.set(uidl, count);
    return count === 1 ? uidl : `${uidl}.${count}`;
  }
}

/** Scans a whole mbox given as a stream of chunks. */
export async function scanMbox(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<MboxIndex> {
  const scanner = new MboxScanner();
  for await (const chunk of chunks) scanner.push(chunk);
  return scanner.finish();
}
