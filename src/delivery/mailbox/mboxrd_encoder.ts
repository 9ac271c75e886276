/**
 * mboxrd encoding of message content, as a stream transform.
 *
 * DESCRIPTION
 *   Turns queued message content (LF line ends) into the body of one mbox
 *   entry in the mboxrd dialect:
 *
 *   - every line matching /^>*From / gets one more `>` in front, so
 *     readers can tell content from separators and undo the quoting
 *     exactly (`From ` → `>From `, `>From ` → `>>From `, …);
 *   - content that does not end with a newline gets one;
 *   - an empty line follows, separating this message from the next.
 *
 *   The transform is line-aware across chunk boundaries: a line start such
 *   as `>>Fr` at the end of one chunk is held back (as a count of `>` and
 *   the matched part of `From `, never as a growing buffer) until the next
 *   chunk decides it. Output is gathered into chunks of bounded size, about
 *   one per input chunk, so the mailbox sees few, large writes.
 *
 *   It does not add the `From ` separator line or any header
 *   (`mbox_from_line.ts`, `delivery_headers.ts`).
 */

const LF = 0x0a;
const GT = 0x3e;
const FROM = new TextEncoder().encode("From ");
/** Longest run of `>` emitted in one piece. */
const PIECE = 65536;

/** `count` bytes of `>`, in pieces of bounded size. */
function quoteRun(count: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let left = count; left > 0; left -= PIECE) {
    pieces.push(new Uint8Array(Math.min(left, PIECE)).fill(GT));
  }
  return pieces;
}

/**
 * Gathers output pieces into few, bounded chunks: one write per input
 * chunk rather than one per line, and never one huge allocation.
 */
function batcher(controller: TransformStreamDefaultController<Uint8Array>) {
  let parts: Uint8Array[] = [];
  let size = 0;
  function flush(): void {
    if (size === 0) return;
    const out = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    controller.enqueue(out);
    parts = [];
    size = 0;
  }
  function add(...pieces: Uint8Array[]): void {
    for (const piece of pieces) {
      if (piece.length === 0) continue;
      parts.push(piece);
      size += piece.length;
      if (size >= PIECE) flush();
    }
  }
  return { add, flush };
}

/** Creates a transform that mboxrd-encodes one message's content. */
export function mboxrdEncoder(): TransformStream<Uint8Array, Uint8Array> {
  // At a line start and not yet decided whether the line needs quoting.
  let undecided = true;
  // Leading `>` seen on the undecided line, and bytes of "From " matched.
  let quotes = 0;
  let matched = 0;
  // The last content byte; LF stands in for "nothing yet".
  let last = LF;

  /** The held-back line start, with one more `>` when it is quoted. */
  function heldBack(quoted: boolean): Uint8Array[] {
    return [
      ...quoteRun(quotes + (quoted ? 1 : 0)),
      FROM.subarray(0, matched),
    ];
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (chunk.length === 0) return;
      const out = batcher(controller);
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (undecided) {
          start = i + 1;
          if (matched === 0 && byte === GT) {
            quotes++;
            continue;
          }
          if (byte === FROM[matched]) {
            if (++matched === FROM.length) {
              out.add(...heldBack(true));
              undecided = false;
            }
            continue;
          }
          out.add(...heldBack(false));
          undecided = false;
          start = i;
        }
        if (byte === LF) {
          out.add(chunk.subarray(start, i + 1));
          start = i + 1;
          undecided = true;
          quotes = 0;
          matched = 0;
        }
      }
      if (!undecided) out.add(chunk.subarray(start));
      out.flush();
      last = chunk[chunk.length - 1];
    },
    flush(controller) {
      const out = batcher(controller);
      if (undecided) out.add(...heldBack(false));
      if (last !== LF) out.add(Uint8Array.of(LF));
      out.add(Uint8Array.of(LF));
      out.flush();
    },
  });
}
