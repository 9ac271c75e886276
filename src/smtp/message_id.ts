/**
 * Finds the Message-ID: of a message as its content streams by.
 *
 * DESCRIPTION
 *   `MessageIdScanner` is fed the stored content (LF line ends) chunk by
 *   chunk. It keeps only the header section, at most 64 KiB of it, and
 *   stops looking at the first empty line. `messageId` then unfolds the
 *   headers (RFC 5322 section 2.2.3) and returns the value of the first
 *   Message-ID: header, for the `ID: message-id=<…>` maillog line that
 *   Postfix's cleanup writes and log tools expect.
 *
 *   Used by the smtpd adapter. Pure apart from its own buffer.
 *
 *   Does NOT validate the msg-id syntax, decode encoded words or look
 *   into MIME parts; the value is logged as sent, made printable.
 */
import { printable } from "./replies.ts";

/** How much of the header section is looked at. */
export const HEADER_SCAN_LIMIT = 64 * 1024;

const LF = 10;
const decoder = new TextDecoder();

/** Collects the header section of one message and reads its Message-ID. */
export class MessageIdScanner {
  #chunks: Uint8Array[] = [];
  #length = 0;
  #lastByte = LF; // the message starts at a line start
  #complete = false;

  /** Looks at the next content bytes; copies what it keeps (the header section). */
  push(content: Uint8Array): void {
    if (this.#complete || content.length === 0) return;
    let end = -1;
    for (
      let lf = content.indexOf(LF);
      lf >= 0;
      lf = content.indexOf(LF, lf + 1)
    ) {
      const before = lf === 0 ? this.#lastByte : content[lf - 1];
      if (before === LF) {
        end = lf;
        break;
      }
    }
    const header = end >= 0 ? content.subarray(0, end) : content;
    const room = HEADER_SCAN_LIMIT - this.#length;
    const kept = header.length > room ? header.subarray(0, room) : header;
    this.#chunks.push(kept.slice()); // content buffers are reused after the call
    this.#length += kept.length;
    this.#lastByte = content[content.length - 1];
    if (end >= 0 || this.#length >= HEADER_SCAN_LIMIT) this.#complete = true;
  }

  /** The Message-ID header value seen so far, or null. */
  messageId(): string | null {
    const bytes = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return findMessageId(decoder.decode(bytes));
  }
}

/** The unfolded value of the first Message-ID: field in `header`, or null. */
export function findMessageId(header: string): string | null {
  const lines = header.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon < 0 || /^[ \t]/.test(lines[i])) continue;
    if (lines[i].slice(0, colon).trimEnd().toLowerCase() !== "message-id") {
      continue;
    }
    let value = lines[i].slice(colon + 1);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) {
      value += lines[++i];
    }
    const id = value.replace(/\s+/g, " ").trim();
    return id === "" ? null : printable(id);
  }
  return null;
}
