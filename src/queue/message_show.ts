/**
 * One queued message, shown (Postfix `postcat -q ID`): `mailsrv queue
 * show ID` and `mailsrv postcat -q ID`.
 *
 * DESCRIPTION
 *   `findQueuedMessage` looks for the message in maildrop, incoming,
 *   active, deferred, hold and corrupt (in that order) and reads its file
 *   with one open, so a message moving between queues meanwhile is read
 *   whole or looked for again (once).
 *
 *   `formatQueuedMessage` prints it in postcat's sections:
 *
 *     *** ENVELOPE RECORDS deferred/8DsBw0lSIIgfQSJ ***
 *     message_size: 1234
 *     message_arrival_time: Wed Nov 25 03:54:32 2026
 *     sender: alice@example.com
 *     named_attribute: client_name=mx.example.com
 *     named_attribute: client_address=192.0.2.1
 *     named_attribute: helo_name=mx.example.com
 *     named_attribute: protocol_name=ESMTP
 *     recipient: P bob@example.org
 *     dsn_notify: SUCCESS,FAILURE
 *     dsn_orig_rcpt: rfc822;Bob@Example.ORG
 *     recipient: D carol@example.org
 *     *** MESSAGE CONTENTS deferred/8DsBw0lSIIgfQSJ ***
 *     Received: …
 *     *** MESSAGE FILE END deferred/8DsBw0lSIIgfQSJ ***
 *
 *   Each recipient shows its status byte (P pending, W pending with its
 *   delay notice sent, D delivered, B bounced; docs/queue-format.md).
 *   The null sender is an empty `sender:`. `body_type`, `dsn_ret` and
 *   `dsn_envid` appear when the message has them. Parts: the envelope
 *   (postcat -e), the header (-h: up to the first empty line, not
 *   including it) and the body (-b: from that empty line on); the
 *   section lines are printed with the envelope only, so `--headers` or
 *   `--body` alone give the bare text. Pure, except the finding.
 */
import { formatArrivalTime, type ListingFormatOptions } from "./listing.ts";
import { parseQueueFile } from "./queue_file.ts";
import type { QueueStore } from "./store.ts";
import type { Envelope, QueueName } from "./types.ts";

/** Where a message was found, and its file. */
export interface QueuedMessage {
  readonly queue: QueueName;
  readonly envelope: Envelope;
  /** The message content (LF line ends). */
  readonly content: Uint8Array;
}

/** Which parts to show; all when none is asked for. */
export interface ShowParts {
  readonly envelope?: boolean;
  readonly headers?: boolean;
  readonly body?: boolean;
}

/** The queues searched, in order. */
export const SHOW_QUEUES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
  "corrupt",
];

/**
 * Finds and reads message `id`.
 * @returns undefined when it is in no queue
 * @throws CorruptQueueFileError when its file does not parse
 */
export function findQueuedMessage(
  store: QueueStore,
  id: string,
): QueuedMessage | undefined {
  for (let look = 0; look < 2; look++) {
    for (const queue of SHOW_QUEUES) {
      let bytes: Uint8Array;
      try {
        bytes = Deno.readFileSync(store.path(queue, id));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      const envelope = parseQueueFile(bytes, bytes.length);
      return {
        queue,
        envelope,
        content: bytes.subarray(envelope.contentOffset),
      };
    }
  }
  return undefined;
}

const STATUS_LETTER = { pending: "P", delivered: "D", bounced: "B" } as const;

/** The envelope lines (without the section line). */
export function envelopeLines(
  envelope: Envelope,
  options: ListingFormatOptions = {},
): string[] {
  const arrival = new Date(envelope.arrivalTime);
  const year = options.utc ? arrival.getUTCFullYear() : arrival.getFullYear();
  const lines = [
    `message_size: ${envelope.size}`,
    `message_arrival_time: ${
      formatArrivalTime(envelope.arrivalTime, options)
    } ${year}`,
    `sender: ${envelope.sender}`,
    `named_attribute: client_name=${envelope.clientName}`,
    `named_attribute: client_address=${envelope.clientAddress}`,
    `named_attribute: helo_name=${envelope.helo}`,
    `named_attribute: protocol_name=${envelope.protocol}`,
  ];
  if (envelope.bodyType) lines.push(`body_type: ${envelope.bodyType}`);
  if (envelope.ret) lines.push(`dsn_ret: ${envelope.ret}`);
  if (envelope.envid !== undefined) lines.push(`dsn_envid: ${envelope.envid}`);
  for (const r of envelope.recipients) {
    const letter = r.delayWarned ? "W" : STATUS_LETTER[r.status];
    lines.push(`recipient: ${letter} ${r.address}`);
    if (r.notify) lines.push(`dsn_notify: ${r.notify.join(",")}`);
    if (r.orcpt) {
      lines.push(`dsn_orig_rcpt: ${r.orcpt.type};${r.orcpt.address}`);
    }
  }
  return lines;
}

/** Where the header ends: the index of the empty line, or the end. */
export function headerEnd(content: Uint8Array): number {
  if (content[0] === 0x0a) return 0;
  for (
    let i = content.indexOf(0x0a);
    i >= 0;
    i = content.indexOf(0x0a, i + 1)
  ) {
    if (content[i + 1] === 0x0a) return i + 1;
  }
  return content.length;
}

/** The message shown as asked, as bytes (content is not re-encoded). */
export function formatQueuedMessage(
  message: QueuedMessage,
  parts: ShowParts,
  options: ListingFormatOptions = {},
): Uint8Array[] {
  const all = !parts.envelope && !parts.headers && !parts.body;
  const envelope = all || parts.envelope;
  const headers = all || parts.headers;
  const body = all || parts.body;
  const where = `${message.queue}/${message.envelope.id}`;
  const encode = (text: string) => new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  if (envelope) {
    out.push(encode(
      [
        `*** ENVELOPE RECORDS ${where} ***`,
        ...envelopeLines(message.envelope, options),
      ]
        .join("\n") + "\n",
    ));
  }
  if (headers || body) {
    if (envelope) out.push(encode(`*** MESSAGE CONTENTS ${where} ***\n`));
    const end = headerEnd(message.content);
    if (headers) out.push(message.content.subarray(0, end));
    if (body) out.push(message.content.subarray(end));
    const shown = body ? message.content : message.content.subarray(0, end);
    if (envelope && shown.length > 0 && shown[shown.length - 1] !== 0x0a) {
      out.push(encode("\n"));
    }
  }
  if (envelope) out.push(encode(`*** MESSAGE FILE END ${where} ***\n`));
  return out;
}
