/**
 * What delivery needs to know from a message's header: the
 * `Delivered-To:` addresses it already carries and its `Received:` count,
 * and the refusal of looping messages built on them.
 *
 * DESCRIPTION
 *   Postfix's local(8) refuses to deliver a message that already has a
 *   `Delivered-To:` header for the same recipient (a forwarding loop), and
 *   every delivery agent refuses one with more than `hopcount_limit`
 *   `Received:` headers. Both are read from the header block only: the
 *   scan stops at the first empty line, or after MAX_HEADER_BYTES, and never
 *   reads or keeps the body.
 *
 *   Header names are case-insensitive (RFC 5322 section 1.2.2); folded
 *   continuation lines belong to the field above them.
 *
 *   The header is scanned as bytes, and only the lines that may be one
 *   of the two fields are decoded (`loopFactsOf`); a stream is read until
 *   its header's blank line or MAX_HEADER_BYTES, then scanned the same
 *   way. Content already in memory (`common/whole_content.ts`) is scanned
 *   without a stream.
 */
import { joinBytes } from "../common/join_bytes.ts";
import { wholeContentOf } from "../common/whole_content.ts";
import { DeliveryError, type DeliveryMessage } from "./types.ts";

/** What the header block says about loops. */
export interface LoopFacts {
  /** `Delivered-To:` values, lower-cased and trimmed. */
  readonly deliveredTo: readonly string[];
  /** Number of `Received:` fields. */
  readonly receivedCount: number;
}

/** Header bytes examined at most (a header block is rarely 64 KB). */
export const MAX_HEADER_BYTES = 1024 * 1024;

const DELIVERED_TO = /^delivered-to:/i;
const RECEIVED = /^received:/i;
const LF = 0x0a;
const CR = 0x0d;
/** Lower-case `d` and `r`, and the bit that lower-cases an ASCII letter. */
const LOWER_D = 0x64;
const LOWER_R = 0x72;
const LOWER = 0x20;

/** Reads the loop facts from the start of `content`, then cancels it. */
export async function scanLoopFacts(
  content: ReadableStream<Uint8Array>,
): Promise<LoopFacts> {
  const reader = content.getReader();
  const chunks: Uint8Array[] = [];
  let seen = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const before = chunks.at(-1);
      chunks.push(value);
      seen += value.length;
      if (seen >= MAX_HEADER_BYTES || endsHeader(before, value)) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return loopFactsOf(chunks.length === 1 ? chunks[0] : joinBytes(chunks));
}

/**
 * Whether the header's blank line (LF, then LF or CR LF) is in `chunk`,
 * or begins in the last bytes of the chunk `before` it.
 */
function endsHeader(
  before: Uint8Array | undefined,
  chunk: Uint8Array,
): boolean {
  const tail = before?.subarray(Math.max(0, before.length - 2)) ?? [];
  const at = (i: number) => i < 0 ? tail[tail.length + i] : chunk[i];
  for (let i = -tail.length; i < chunk.length; i++) {
    if (at(i) !== LF) continue;
    if (at(i + 1) === LF) return true;
    if (at(i + 1) === CR && at(i + 2) === LF) return true;
  }
  return false;
}

/** The loop facts of `content`, whole in memory (one chunk). */
export function loopFactsOf(content: Uint8Array): LoopFacts {
  const deliveredTo: string[] = [];
  let receivedCount = 0;
  const decoder = new TextDecoder();
  for (let start = 0; start < content.length;) {
    let nl = content.indexOf(LF, start);
    let end = nl;
    if (nl < 0) {
      // A last line without its newline, read only below the scan limit.
      if (content.length >= MAX_HEADER_BYTES) break;
      nl = end = content.length;
    } else if (end > start && content[end - 1] === CR) end--;
    if (end === start) break;
    const first = content[start] | LOWER;
    if (first === LOWER_D || first === LOWER_R) {
      const text = decoder.decode(content.subarray(start, end));
      if (DELIVERED_TO.test(text)) {
        deliveredTo.push(
          text.slice(text.indexOf(":") + 1).trim().toLowerCase(),
        );
      } else if (RECEIVED.test(text)) receivedCount++;
    }
    start = nl + 1;
  }
  return { deliveredTo, receivedCount };
}

/**
 * Refuses (5.4.6, a bounce) a message that already carries a
 * `Delivered-To:` for this recipient, or more than `hopcountLimit`
 * `Received:` headers. Shared by the local and virtual agents.
 * @throws DeliveryError when the message looped or hopped too often
 */
export async function refuseLoops(
  message: DeliveryMessage,
  hopcountLimit: number,
): Promise<void> {
  const whole = wholeContentOf(message);
  const facts = whole
    ? loopFactsOf(whole())
    : await scanLoopFacts(await message.content());
  if (facts.deliveredTo.includes(message.recipient.toLowerCase())) {
    throw new DeliveryError(
      `mail forwarding loop for ${message.recipient}`,
      false,
      "5.4.6",
    );
  }
  if (facts.receivedCount > hopcountLimit) {
    throw new DeliveryError(
      `too many hops: ${facts.receivedCount} Received: headers`,
      false,
      "5.4.6",
    );
  }
}
