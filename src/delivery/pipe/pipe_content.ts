/**
 * What a pipe(8) command reads: the envelope headers its flags ask for,
 * then the message, shaped line by line as the flags say.
 *
 * DESCRIPTION
 *   Before the content, in Postfix's order (mail_copy.c):
 *
 *     F   From <sender> <asctime date>    (mbox From_ line)
 *     R   Return-Path: <sender>
 *     O   X-Original-To: <original recipient>
 *     D   Delivered-To: <recipient>
 *
 *   Then each content line, with:
 *
 *     .   a line starting with "." gets another "." (SMTP dot stuffing,
 *         for a command that speaks SMTP or ends input at a lone ".")
 *     >   a line starting with "From " gets ">" (mbox quoting)
 *     B   a blank line after the message (mbox separation)
 *
 *   and the line end `eol=` (LF, or CRLF). The content arrives in chunks
 *   with LF line ends (the queue's form); a line may span chunks.
 *
 *   Used by the pipe agent. Pure (the date is passed in).
 */
import { joinBytes } from "../../common/join_bytes.ts";
import { mboxFromLine } from "../mailbox/mbox_from_line.ts";

const encoder = new TextEncoder();
const LF = 0x0a;
const DOT = 0x2e;
const FROM_ = encoder.encode("From ");

/** The envelope lines the flags ask for, before the content. */
export function pipePrefix(
  flags: string,
  envelope: {
    readonly sender: string;
    readonly recipient: string;
    readonly originalRecipient?: string;
  },
  time: number,
  eol: string,
): Uint8Array {
  const lines: string[] = [];
  if (flags.includes("F")) {
    lines.push(mboxFromLine(envelope.sender, time).replace(/\n$/, ""));
  }
  if (flags.includes("R")) lines.push(`Return-Path: <${envelope.sender}>`);
  if (flags.includes("O")) {
    lines.push(
      `X-Original-To: ${envelope.originalRecipient ?? envelope.recipient}`,
    );
  }
  if (flags.includes("D")) lines.push(`Delivered-To: ${envelope.recipient}`);
  return encoder.encode(lines.map((line) => line + eol).join(""));
}

/** Whether the content needs reshaping for these flags and line end. */
export function reshapes(flags: string, eol: string): boolean {
  return eol !== "\n" || /[.>B]/.test(flags);
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array) {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false;
  }
  return true;
}

/**
 * A transform from queue content (LF) to what the command reads: dot
 * stuffing, From_ quoting, the line end and the trailing blank line.
 */
export function pipeContentTransform(
  flags: string,
  eol: string,
): TransformStream<Uint8Array, Uint8Array> {
  const stuffDots = flags.includes(".");
  const quoteFrom = flags.includes(">");
  const blankLine = flags.includes("B");
  const lineEnd = encoder.encode(eol);
  let pending = new Uint8Array(0);
  let lastEndedLine = true;
  const shapeLine = (line: Uint8Array, ended: boolean): Uint8Array[] => {
    const parts: Uint8Array[] = [];
    if (stuffDots && line[0] === DOT) parts.push(Uint8Array.of(DOT));
    if (quoteFrom && startsWith(line, 0, FROM_)) {
      parts.push(encoder.encode(">"));
    }
    parts.push(line);
    if (ended) parts.push(lineEnd);
    return parts;
  };
  return new TransformStream({
    transform(chunk, controller) {
      const bytes = pending.length === 0 ? chunk : joinBytes([pending, chunk]);
      let start = 0;
      const out: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== LF) continue;
        out.push(...shapeLine(bytes.subarray(start, i), true));
        start = i + 1;
      }
      pending = bytes.slice(start);
      if (out.length > 0) {
        lastEndedLine = true;
        controller.enqueue(joinBytes(out));
      }
    },
    flush(controller) {
      const out: Uint8Array[] = [];
      if (pending.length > 0) {
        out.push(...shapeLine(pending, true));
        lastEndedLine = true;
      }
      if (blankLine && lastEndedLine) out.push(lineEnd);
      if (out.length > 0) controller.enqueue(joinBytes(out));
    },
  });
}
