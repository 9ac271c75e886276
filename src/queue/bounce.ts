/**
 * Sending a delivery status notice through the queue's single gate.
 *
 * DESCRIPTION
 *   `sendBounce` tells the sender of a queued message about some of its
 *   recipients: it opens a new queue file through the gate (enqueue.ts,
 *   the same gate smtpd uses), writes the notice of bounce_message.ts,
 *   streams the original content in between (or only its header block,
 *   cut at bounce_size_limit) as the caller opens it, and commits. When it
 *   resolves, the notice is durable in incoming/ and the queue manager
 *   has been told; it logs, as Postfix's bounce(8) does,
 *
 *     ID: sender non-delivery notification: NEWID      (failure)
 *     ID: sender delay notification: NEWID             (delay)
 *     ID: sender delivery status notification: NEWID   (success)
 *     ID: postmaster non-delivery notification: NEWID  (double bounce)
 *
 *   Only the recipients whose NOTIFY asks for the kind of notice are
 *   reported (notice_kind.ts); when none does, nothing is written.
 *
 *   Mail from the null sender never gets a notice back (RFC 5321 section
 *   4.5.5: that would loop). Its failures become a postmaster copy
 *   instead, to 2bounce_notice_recipient, from `double-bounce@$myhostname`;
 *   and a failed postmaster copy (mail from that address) is dropped with
 *   a warning, as Postfix drops a triple bounce.
 *
 *   `sendBounce` resolves to undefined when it wrote nothing. Any failure
 *   (disk full, unreadable original) discards the half-written notice and
 *   rejects, so the caller keeps the recipients pending and tries again
 *   later.
 *
 *   Used by the queue manager (delivery_attempt.ts, dsn_notices.ts),
 *   which opens the original from its store; this module needs the
 *   gate's permissions only.
 *
 *   Does NOT decide who bounced or record recipient status.
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import { rewriteSender } from "../resolve/rewrite_address.ts";
import {
  bounceEnvelope,
  type BounceFailure,
  type BounceInput,
  buildBounce,
  doubleBounceSender,
} from "./bounce_message.ts";
import { type NoticeKind, wantsNotice } from "./notice_kind.ts";
import type { DsnNotifyKeyword, Enqueue, Envelope } from "./types.ts";

/** A recipient to report on, and what its RCPT TO asked for. */
export interface NoticeRecipient extends BounceFailure {
  /** Its NOTIFY=, if any (absent: failure and delay notices). */
  readonly notify?: readonly DsnNotifyKeyword[];
}

/** A notice to send about a message in the queue. */
export interface BounceRequest
  extends Omit<BounceInput, "envelope" | "queueId" | "failures" | "config"> {
  /** The original message, as read from its queue file. */
  readonly envelope: Envelope;
  /** The recipients to report on (filtered by their NOTIFY here). */
  readonly failures: readonly NoticeRecipient[];
  readonly config:
    & BounceInput["config"]
    & Pick<Config, "myorigin" | "2bounce_notice_recipient">;
  /**
   * Opens the original's content (LF line ends); called at most once,
   * after the notice's head is written.
   */
  readonly content: () => ReadableStream<Uint8Array>;
}

const LF = 0x0a;

/**
 * Writes the header block of `content` (the header lines, without the
 * empty line that ends them), at most `limit` bytes of it, cut after the
 * last whole line that fits. Reads no further than the block, and holds
 * at most one unfinished line in memory.
 */
export async function writeHeaderBlock(
  content: ReadableStream<Uint8Array>,
  limit: number,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  let budget = limit;
  // As if a line end came before: content that starts with an empty line
  // has an empty header block.
  let lastByte = LF;
  let partial: Uint8Array[] = [];
  let partialLength = 0;
  const writePartial = async () => {
    for (const piece of partial) await write(piece);
    partial = [];
    partialLength = 0;
  };
  for await (const chunk of content) {
    let end = -1;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === LF && (i > 0 ? chunk[i - 1] : lastByte) === LF) {
        end = i;
        break;
      }
    }
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
    const usable = end >= 0 ? chunk.subarray(0, end) : chunk;
    const lastLineEnd = usable.lastIndexOf(LF);
    if (lastLineEnd < 0) {
      partial.push(usable);
      partialLength += usable.length;
      if (end >= 0 || partialLength > budget) return;
      continue;
    }
    const lines = partialLength + lastLineEnd + 1;
    if (lines > budget) {
      const room = budget - partialLength;
      const cut = room > 0 ? usable.subarray(0, room).lastIndexOf(LF) : -1;
      if (cut >= 0) {
        await writePartial();
        await write(usable.subarray(0, cut + 1));
      }
      return;
    }
    await writePartial();
    await write(usable.subarray(0, lastLineEnd + 1));
    budget -= lines;
    if (end >= 0) return;
    partial = [usable.subarray(lastLineEnd + 1)];
    partialLength = partial[0].length;
  }
  // A message that is all header, its last line without a line end.
  if (partialLength <= budget) await writePartial();
}

async function writeAll(
  content: ReadableStream<Uint8Array>,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  for await (const chunk of content) await write(chunk);
}

/** Where a notice goes, or why it goes nowhere. */
type Destination =
  | { readonly kind: NoticeKind; readonly to: string }
  | { readonly discard: string | null };

/** Who gets a `request` notice, after the null-sender rules. */
function destination(request: BounceRequest): Destination {
  const kind = request.kind ?? "failure";
  const { sender } = request.envelope;
  const { config } = request;
  const fromDoubleBounce =
    sender.toLowerCase() === doubleBounceSender(config.myhostname);
  if (sender !== "" && !fromDoubleBounce) return { kind, to: sender };
  if (kind !== "failure") return { discard: null };
  if (fromDoubleBounce) {
    return { discard: "undeliverable postmaster notification discarded" };
  }
  return {
    kind: "postmaster",
    to: rewriteSender(config["2bounce_notice_recipient"], config),
  };
}

const LOG_NAME: Record<NoticeKind, string> = {
  failure: "sender non-delivery notification",
  delay: "sender delay notification",
  success: "sender delivery status notification",
  postmaster: "postmaster non-delivery notification",
};

/**
 * Sends the notice for those of `request.failures` whose NOTIFY asks for
 * it, through the gate.
 * @returns the notice's queue ID once it is durable, or undefined when
 *   nothing was written (nobody asked; a notice about a notice)
 * @throws whatever writing the notice throws; nothing is left behind
 */
export async function sendBounce(
  enqueue: Enqueue,
  request: BounceRequest,
): Promise<string | undefined> {
  const { envelope } = request;
  const where = destination(request);
  if ("discard" in where) {
    if (where.discard !== null) {
      maillog("bounce").warning(`${envelope.id}: ${where.discard}`);
    }
    return undefined;
  }
  const { kind, to } = where;
  const failures = request.failures.filter((f) => wantsNotice(f.notify, kind));
  if (failures.length === 0) return undefined;
  const writer = await enqueue(
    bounceEnvelope(to, request.config.myhostname, envelope.bodyType, kind),
  );
  try {
    // Built once the writer has its queue ID, for the Message-Id.
    const notice = buildBounce({
      ...request,
      kind,
      to,
      failures,
      queueId: writer.id,
    });
    await writer.write(notice.head);
    const content = request.content();
    const write = (chunk: Uint8Array) => writer.write(chunk);
    if (notice.returned === "message") await writeAll(content, write);
    else {
      await writeHeaderBlock(
        content,
        request.config.bounce_size_limit,
        write,
      );
    }
    await writer.write(notice.tail);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  maillog("bounce").info(`${envelope.id}: ${LOG_NAME[kind]}: ${writer.id}`);
  return writer.id;
}
