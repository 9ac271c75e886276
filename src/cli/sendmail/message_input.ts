/**
 * The message sendmail reads from standard input, line by line.
 *
 * DESCRIPTION
 *   `messageLines` turns the bytes of standard input into lines, as
 *   Postfix's sendmail reads them:
 *
 *   - a line ends at LF; a CR before it is removed (sendmail_fix_line_endings
 *     = always: mail programs on the local machine write either);
 *   - leading `From ` lines (an mbox separator, also `>From `) are
 *     dropped;
 *   - unless `-i`/`-oi` was given, a line holding only `.` ends the
 *     message (the rest of the input is not read);
 *   - a last line without LF is a line all the same.
 *
 *   A line longer than MAX_SEGMENT comes in several segments, all but the
 *   last with `complete: false`, so memory stays bounded whatever the
 *   input; the lone-dot rule looks only at whole lines.
 *
 *   Used by local_submission.ts. Reads only the stream it is given.
 *
 *   Does NOT count or limit the size (the caller does), or interpret
 *   headers.
 */

/** One line, or one segment of a long line, without its line end. */
export interface InputLine {
  readonly bytes: Uint8Array;
  /** False for a segment that the next one continues. */
  readonly complete: boolean;
}

/** The longest segment handed out at once. */
export const MAX_SEGMENT = 64 * 1024;

const LF = 10;
const CR = 13;
const DOT = 46;
const FROM_ = new TextEncoder().encode("From ");

/** Whether `line` is `From …` or `>…>From …`. */
function isFromLine(line: Uint8Array): boolean {
  let at = 0;
  while (at < line.length && line[at] === 0x3e) at++;
  if (line.length - at < FROM_.length) return false;
  return FROM_.every((byte, i) => line[at + i] === byte);
}

function withoutCr(line: Uint8Array): Uint8Array {
  let end = line.length;
  while (end > 0 && line[end - 1] === CR) end--;
  return line.subarray(0, end);
}

/** Splits `source` into lines and segments (no rules applied yet). */
async function* rawLines(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<InputLine> {
  let pending = new Uint8Array(0);
  for await (const chunk of source) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let start = 0;
    for (
      let lf = joined.indexOf(LF, start);
      lf >= 0;
      lf = joined.indexOf(LF, start)
    ) {
      yield { bytes: joined.slice(start, lf), complete: true };
      start = lf + 1;
    }
    pending = joined.slice(start);
    while (pending.length > MAX_SEGMENT) {
      // Keep a CR at the cut with the next segment: it may precede LF.
      const cut = pending[MAX_SEGMENT - 1] === CR
        ? MAX_SEGMENT - 1
        : MAX_SEGMENT;
      yield { bytes: pending.slice(0, cut), complete: false };
      pending = pending.slice(cut);
    }
  }
  if (pending.length > 0) yield { bytes: pending, complete: true };
}

/**
 * The message's lines (see the module comment).
 * @param dotEndsMessage false after `-i`/`-oi`
 */
export async function* messageLines(
  source: AsyncIterable<Uint8Array>,
  dotEndsMessage: boolean,
): AsyncGenerator<InputLine> {
  let first = true;
  let lineStart = true;
  for await (const raw of rawLines(source)) {
    const bytes = raw.complete ? withoutCr(raw.bytes) : raw.bytes;
    if (first && lineStart && raw.complete && isFromLine(bytes)) continue;
    first = false;
    if (
      dotEndsMessage && lineStart && raw.complete && bytes.length === 1 &&
      bytes[0] === DOT
    ) return;
    lineStart = raw.complete;
    yield { bytes, complete: raw.complete };
  }
}
