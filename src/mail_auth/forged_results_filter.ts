/**
 * Removes forged Authentication-Results fields from content as it
 * streams in.
 *
 * DESCRIPTION
 *   `ForgedResultsFilter` sits between the DATA reader and the queue
 *   file: it passes the content through unchanged except for the header
 *   fields named Authentication-Results that claim our authserv-id
 *   (RFC 8601 section 5: a border MTA removes them, or a client could
 *   make its mail look verified by us). Only those fields are held back,
 *   one at a time, until their last folded line is seen; everything else
 *   is passed on as it comes, and after the header section the bytes go
 *   straight through.
 *
 *   A header line longer than `MAX_HELD` bytes ends the filtering (the
 *   rest passes unchanged), so memory stays bounded.
 *
 *   Used by smtpd's DATA phase. Pure.
 *
 *   Does NOT look inside MIME parts (only the message header counts).
 */
import { claimsAuthservId } from "./authentication_results.ts";

const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
/** Longest header line or held field examined. */
export const MAX_HELD = 64 * 1024;
const PREFIX = "authentication-results";
const decoder = new TextDecoder();

/** Streaming filter for one message. */
export class ForgedResultsFilter {
  readonly #authservId: string;
  /** Still in the header section. */
  #header = true;
  /** Bytes of an incomplete line. */
  #partial: Uint8Array[] = [];
  #partialLength = 0;
  /** The Authentication-Results field being held (its lines). */
  #held: Uint8Array[] | null = null;
  #heldLength = 0;
  /** Fields removed so far. */
  removed = 0;

  constructor(authservId: string) {
    this.#authservId = authservId;
  }

  /** The bytes to write for `chunk` (possibly none). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (!this.#header) return [chunk];
    const out: Uint8Array[] = [];
    let start = 0;
    while (this.#header) {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) {
        this.#keepPartial(chunk.subarray(start), out);
        return out;
      }
      this.#line(this.#takeLine(chunk.subarray(start, lf + 1)), out);
      start = lf + 1;
    }
    if (start < chunk.length) out.push(chunk.subarray(start));
    return out;
  }

  /** The bytes still held at the end of the content. */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#settleHeld(out);
    if (this.#partialLength > 0) out.push(this.#joinPartial());
    this.#partial = [];
    this.#partialLength = 0;
    return out;
  }

  #keepPartial(bytes: Uint8Array, out: Uint8Array[]): void {
    if (bytes.length === 0) return;
    this.#partial.push(bytes.slice());
    this.#partialLength += bytes.length;
    if (this.#partialLength > MAX_HELD) this.#giveUp(out);
  }

  #takeLine(rest: Uint8Array): Uint8Array {
    if (this.#partialLength === 0) return rest;
    this.#partial.push(rest);
    this.#partialLength += rest.length;
    const line = this.#joinPartial();
    this.#partial = [];
    this.#partialLength = 0;
    return line;
  }

  #joinPartial(): Uint8Array {
    const joined = new Uint8Array(this.#partialLength);
    let at = 0;
    for (const part of this.#partial) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }

  #line(line: Uint8Array, out: Uint8Array[]): void {
    const continuation = line[0] === SP || line[0] === HT;
    if (continuation && this.#held !== null) {
      this.#held.push(line.slice());
      this.#heldLength += line.length;
      if (this.#heldLength > MAX_HELD) this.#giveUp(out);
      return;
    }
    this.#settleHeld(out);
    const blank = line.length === 1 || (line.length === 2 && line[0] === 0x0d);
    if (blank) {
      this.#header = false;
      out.push(line);
      return;
    }
    if (!continuation && startsWithName(line)) {
      // A copy: the caller reuses the chunk's buffer.
      this.#held = [line.slice()];
      this.#heldLength = line.length;
      return;
    }
    out.push(line);
  }

  /** Decides on the held field: drop it if it is forged, else pass it on. */
  #settleHeld(out: Uint8Array[]): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    this.#heldLength = 0;
    const field = held.map((l) => decoder.decode(l)).join("");
    if (claimsAuthservId(field, this.#authservId)) {
      this.removed++;
      return;
    }
    out.push(...held);
  }

  /** Stops filtering: what is held goes out as it came. */
  #giveUp(out: Uint8Array[]): void {
    if (this.#held !== null) out.push(...this.#held);
    this.#held = null;
    this.#heldLength = 0;
    if (this.#partialLength > 0) out.push(this.#joinPartial());
    this.#partial = [];
    this.#partialLength = 0;
    this.#header = false;
  }
}

/** Whether the line starts an Authentication-Results field. */
function startsWithName(line: Uint8Array): boolean {
  if (line.length <= PREFIX.length) return false;
  for (let i = 0; i < PREFIX.length; i++) {
    if ((line[i] | 0x20) !== PREFIX.charCodeAt(i)) return false;
  }
  const rest = decoder.decode(line.subarray(PREFIX.length, PREFIX.length + 64));
  return /^[ \t]*:/.test(rest);
}
