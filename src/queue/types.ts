/**
 * Shared types of the queue: the on-disk records (docs/queue-format.md)
 * and the gate's types, which producers (smtpd, delivery agents that
 * forward, sendmail) see through enqueue.ts.
 */

/** Delivery status of one recipient, as recorded in the queue file. */
export type RecipientStatus = "pending" | "delivered" | "bounced";

/** A DSN NOTIFY keyword (RFC 3461 section 4.1). */
export type DsnNotifyKeyword = "NEVER" | "SUCCESS" | "FAILURE" | "DELAY";

/** MAIL FROM RET= (RFC 3461 section 4.3): what a notice returns. */
export type DsnRet = "FULL" | "HDRS";

/** RCPT TO ORCPT= (RFC 3461 section 4.2), its xtext decoded. */
export interface OriginalRecipient {
  /** Address type, e.g. `rfc822` (as the client wrote it). */
  readonly type: string;
  /** The address, decoded from xtext (printable US-ASCII). */
  readonly address: string;
}

/** The DSN parameters of one recipient; both optional. */
export interface RecipientDsn {
  /**
   * NOTIFY=: `NEVER` alone, or one or more of SUCCESS, FAILURE, DELAY.
   * Absent: the default, FAILURE and DELAY.
   */
  readonly notify?: readonly DsnNotifyKeyword[];
  /** ORCPT=, if the client gave one. */
  readonly orcpt?: OriginalRecipient;
}

/** One recipient record of a queue file. */
export interface QueuedRecipient extends RecipientDsn {
  /** Envelope recipient address as given in RCPT TO (no angle brackets). */
  readonly address: string;
  readonly status: RecipientStatus;
  /** Byte offset of the status character inside the queue file. */
  readonly statusOffset: number;
  /**
   * Still pending, and a delay notice has been sent for it (status byte
   * `W`, docs/queue-format.md); absent when not.
   */
  readonly delayWarned?: boolean;
}

/** What the SMTP server (or another producer) knows before the content. */
export interface NewEnvelope {
  /** Envelope sender without angle brackets; "" is the null sender. */
  readonly sender: string;
  readonly recipients: readonly string[];
  /** Client host name (or "unknown") and IP address. */
  readonly clientName: string;
  readonly clientAddress: string;
  readonly helo: string;
  /** "SMTP", "ESMTP", "ESMTPS", "LOCAL", … */
  readonly protocol: string;
  /** MAIL FROM BODY= value, if any. */
  readonly bodyType?: "7BIT" | "8BITMIME";
  /** MAIL FROM RET= (DSN), if any. */
  readonly ret?: DsnRet;
  /** MAIL FROM ENVID= (DSN), decoded from xtext, if any. */
  readonly envid?: string;
  /** Per-recipient DSN parameters (RCPT TO NOTIFY=, ORCPT=), by address. */
  readonly recipientDsn?: ReadonlyMap<string, RecipientDsn>;
  /**
   * `transport:nexthop` every recipient is delivered to instead of its own
   * route (Postfix's FILTER action and content_filter); version 3.
   */
  readonly filter?: string;
  /**
   * Reserve a `trailer` field (version 4): header lines known only at
   * the end of data (Authentication-Results) are stored after the
   * content at commit and put in front of it by every reader.
   */
  readonly trailer?: boolean;
}

/** A parsed queue file header. */
export interface Envelope
  extends Omit<NewEnvelope, "recipients" | "recipientDsn"> {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly arrivalTime: number;
  /** Size of the message content in bytes. */
  readonly size: number;
  /** Byte offset where the message content starts. */
  readonly contentOffset: number;
  /** Bytes of header lines after the content, read before it (version 4). */
  readonly trailerSize?: number;
  readonly recipients: readonly QueuedRecipient[];
}

/** Postfix's queue names, plus `tmp` (staging) and `defer` (reasons). */
export type QueueName =
  | "maildrop"
  | "incoming"
  | "active"
  | "deferred"
  | "hold"
  | "corrupt";

/**
 * A message being written into the queue (the single gate, `enqueue.ts`).
 * Nothing is visible to the queue manager until `commit` resolves; after
 * that the message is durable (file and directory entry fsynced).
 */
export interface QueueWriter {
  /** Queue ID, known from the start (for the Received: header and logs). */
  readonly id: string;
  /** Appends message content (LF line ends). Resolves when written. */
  write(chunk: Uint8Array): Promise<void>;
  /** Content bytes written so far. */
  readonly size: number;
  /**
   * Makes the message durable and hands it to the queue manager, or with
   * `hold`, puts it in hold/ (Postfix's HOLD action) without telling it.
   */
  commit(options?: CommitOptions): Promise<void>;
  /** Discards the partial message (rejected, too big, client gone). */
  abort(): Promise<void>;
}

/** How a message is committed. */
export interface CommitOptions {
  /** Into hold/ rather than its queue: it waits for `queue release`. */
  readonly hold?: boolean;
  /**
   * The envelope to commit instead of the one the writer was opened with
   * (content checks' REDIRECT, BCC, FILTER); the file is rewritten.
   */
  readonly envelope?: NewEnvelope;
  /**
   * Header lines (LF line ends) decided at the end of data, stored after
   * the content and read in front of it; the envelope must have asked
   * for a `trailer`.
   */
  readonly trailer?: Uint8Array;
}

/** Where the gate puts a new message. */
export interface EnqueueOptions {
  /**
   * `incoming` (default: the queue manager is told at commit) or
   * `maildrop` (local submission, picked up later).
   */
  readonly queue?: "incoming" | "maildrop";
}

/**
 * The queue's single gate (enqueue.ts): opens a new message for
 * `envelope`. Its queue ID is fixed now; it reaches its queue only when
 * the writer commits.
 */
export type Enqueue = (
  envelope: NewEnvelope,
  options?: EnqueueOptions,
) => Promise<QueueWriter>;

/** A message to put back through the gate for new recipients. */
export interface ResubmitRequest {
  readonly sender: string;
  readonly recipients: readonly string[];
  /** Queue ID of the message being expanded (for the log line). */
  readonly fromQueueId: string;
  readonly content: () => Promise<ReadableStream<Uint8Array>>;
  /** The original's MAIL FROM BODY= type, kept for relaying. */
  readonly bodyType?: "7BIT" | "8BITMIME";
}

/**
 * Puts a message back through the queue's single gate for `recipients`
 * (forwarded alias members, `.forward` addresses, list members; see
 * resubmit.ts); resolves to the new queue ID once it is durable.
 */
export type Resubmit = (request: ResubmitRequest) => Promise<string>;
