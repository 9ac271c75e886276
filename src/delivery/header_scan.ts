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
 *   Content already in memory (`common/whole_content.ts`) is scanned as
 *   bytes, without a stream, and only the lines that may be one of the
 *   two fields are decoded (`loopFactsOf`); the answer is the one the
 *   stream scan gives for the same bytes as one chunk.
 */
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

/** Reads the loop facts from the start of `content`, then cancels it. */
export async function scanLoopFacts(
  content: ReadableStream<Uint8Array>,
): Promise<LoopFacts> {
  const deliveredTo: string[] = [];
  let receivedCount = 0;
  const decoder = new TextDecoder();
  const reader = content.getReader();
  let carry = "";
  let seen = 0;
  /** Handles one complete header line; false at the end of the header. */
  const line = (text: string): boolean => {
    if (text === "") return false;
    if (DELIVERED_TO.test(text)) {
      deliveredTo.push(text.slice(text.indexOf(":") + 1).trim().toLowerCase());
    } else if (RECEIVED.test(text)) receivedCount++;
    return true;
  };
  try {
    reading: for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        if (carry) line(carry);
        break;
      }
      seen += value.length;
      carry += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = carry.indexOf("\n")) >= 0) {
        const text = carry.slice(0, nl).replace(/\r$/, "");
        carry = carry.slice(nl + 1);
        if (!line(text)) break reading;
      }
      if (seen >= MAX_HEADER_BYTES) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { deliveredTo, receivedCount };
}

const LF = 0x0a;
const CR = 0x0d;
/** Lower-case `d` and `r`, and the bit that lower-cases an ASCII letter. */
const LOWER_D = 0x64;
const LOWER_R = 0x72;
const LOWER = 0x20;

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
