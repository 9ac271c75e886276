/**
 * `sendmail` delivery mode: one message from standard input into
 * maildrop/ (Postfix's sendmail + postdrop, with cleanup's header work).
 *
 * DESCRIPTION
 *   `submitMessage` reads the message (message_input.ts), takes the
 *   header section apart (local_headers.ts), builds the envelope
 *   (envelope.ts: arguments, and with -t the To:/Cc:/Bcc: recipients
 *   too), opens a queue file through the queue's gate with
 *   `queue: "maildrop"`, writes the completed headers (Received:, and
 *   From:, Date:, Message-Id: when missing; Bcc: removed) and streams the
 *   body after them, and commits: the file is fsynced and renamed into
 *   maildrop/ before sendmail exits 0. The daemon picks it up from there
 *   (src/queue/pickup.ts): at once when it runs (`notifyPickup` asks it
 *   over the control socket), else when it starts, or at the next
 *   `mailsrv flush`.
 *
 *   Exit statuses, sysexits(3) as Postfix's sendmail returns them:
 *   EX_USAGE no recipients, EX_DATAERR a bad address or unreadable
 *   headers, EX_NOINPUT standard input cannot be read, EX_UNAVAILABLE the
 *   message exceeds message_size_limit, EX_OSERR no login name,
 *   EX_TEMPFAIL the queue cannot be written. A failure leaves nothing in
 *   the queue.
 *
 *   Needs read/write on queue_directory (tmp/, maildrop/), read on
 *   /etc/passwd.
 *
 *   Does NOT deliver, and does NOT apply smtpd's restrictions: local
 *   submission is trusted like mynetworks, as in Postfix.
 */
import type { Config } from "../../config/types.ts";
import { EX } from "../../delivery/sysexits.ts";
import { controlRequest, DaemonNotRunningError } from "../../master/control.ts";
import type {
  NewEnvelope,
  QueueWriter,
  RecipientDsn,
} from "../../queue/enqueue.ts";
import { createEnqueue, QueueStore } from "../../queue/mod.ts";
import { envelopeRecipients, envelopeSender } from "./envelope.ts";
import {
  completeHeaders,
  groupHeaderFields,
  isContinuation,
  isFieldStart,
  recipientsInHeaders,
} from "./local_headers.ts";
import { type InputLine, messageLines } from "./message_input.ts";
import { SendmailError, type SendmailOptions } from "./options.ts";
import type { Submitter } from "./submitter.ts";

/** The header section kept in memory at most; the rest counts as body. */
const MAX_HEADER_BYTES = 1024 * 1024;
/** Body bytes gathered before a write. */
const WRITE_CHUNK = 64 * 1024;

const decoder = new TextDecoder();
const LF = new Uint8Array([10]);

/** What a submission needs besides the options. */
export interface SubmissionContext {
  readonly config: Config;
  readonly options: SendmailOptions;
  readonly user: Submitter;
  /** The message (standard input). */
  readonly input: AsyncIterable<Uint8Array>;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
}

/** Counts content bytes against message_size_limit. */
class SizeLimit {
  #size = 0;
  constructor(readonly limit: number) {}
  add(bytes: number): void {
    this.#size += bytes;
    if (this.limit > 0 && this.#size > this.limit) {
      throw new SendmailError(
        EX.UNAVAILABLE,
        `message file too big (limit ${this.limit} bytes, ` +
          `message_size_limit)`,
      );
    }
  }
}

/** The header lines, and the first body line when the header ended early. */
async function readHeaderSection(
  lines: AsyncIterator<InputLine>,
  size: SizeLimit,
): Promise<{ header: Uint8Array[]; firstBody?: InputLine; ended: boolean }> {
  const header: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const next = await lines.next();
    if (next.done) return { header, ended: true };
    const line = next.value;
    size.add(line.bytes.length + (line.complete ? 1 : 0));
    const text = decoder.decode(line.bytes.subarray(0, 1000));
    const headerLine = line.complete && bytes < MAX_HEADER_BYTES &&
      (isFieldStart(text) || (header.length > 0 && isContinuation(text)));
    if (!headerLine) {
      return { header, firstBody: line, ended: false };
    }
    header.push(line.bytes);
    bytes += line.bytes.length + 1;
  }
}

/** Writes the body lines, gathered into large writes. */
async function writeBody(
  writer: QueueWriter,
  first: InputLine | undefined,
  lines: AsyncIterator<InputLine>,
  size: SizeLimit,
): Promise<void> {
  let parts: Uint8Array[] = [];
  let gathered = 0;
  const flush = async () => {
    if (gathered === 0) return;
    const chunk = new Uint8Array(gathered);
    let at = 0;
    for (const part of parts) {
      chunk.set(part, at);
      at += part.length;
    }
    parts = [];
    gathered = 0;
    await writeQueue(writer, chunk);
  };
  const add = async (line: InputLine) => {
    parts.push(line.bytes);
    gathered += line.bytes.length;
    if (line.complete) {
      parts.push(LF);
      gathered += 1;
    }
    if (gathered >= WRITE_CHUNK) await flush();
  };
  if (first !== undefined) await add(first);
  for (;;) {
    const next = await lines.next();
    if (next.done) break;
    size.add(next.value.bytes.length + (next.value.complete ? 1 : 0));
    await add(next.value);
  }
  await flush();
}

/** The per-recipient DSN parameters of `-N`, if given. */
function recipientDsn(
  recipients: readonly string[],
  options: SendmailOptions,
): ReadonlyMap<string, RecipientDsn> | undefined {
  if (!options.notify) return undefined;
  const dsn: RecipientDsn = { notify: options.notify };
  return new Map(recipients.map((r) => [r, dsn]));
}

/**
 * Opens the queue for a submission: the gate into maildrop/.
 * @throws SendmailError EX_TEMPFAIL when the queue cannot be opened
 */
async function openGate(config: Config) {
  try {
    // A running daemon owns tmp/: never clear it from here.
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    return createEnqueue(store);
  } catch (error) {
    throw new SendmailError(
      EX.TEMPFAIL,
      `cannot open queue "${config.queue_directory}": ${reasonOf(error)}`,
    );
  }
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\)/, "");
}

/**
 * Submits one message to maildrop/ (see the module comment).
 * @returns the queue ID
 * @throws SendmailError with the exit status
 */
export async function submitMessage(
  context: SubmissionContext,
): Promise<string> {
  const { config, options, user } = context;
  const now = context.now ?? Date.now;
  if (user.login === undefined && options.sender === undefined) {
    throw new SendmailError(
      EX.OSERR,
      `no login name found for user ID ${user.uid}`,
    );
  }
  const sender = envelopeSender(options.sender, user.login ?? "", config);
  if (!sender.ok) throw new SendmailError(EX.DATAERR, sender.reason);
  const size = new SizeLimit(config.message_size_limit);
  const lines = messageLines(context.input, options.dotEndsMessage)[
    Symbol.asyncIterator
  ]();
  let section;
  try {
    section = await readHeaderSection(lines, size);
  } catch (error) {
    throw inputError(error);
  }
  const fields = groupHeaderFields(section.header);
  const lists = [...options.recipients];
  if (options.extractRecipients) {
    const found = recipientsInHeaders(fields);
    if (!found.ok) {
      throw new SendmailError(
        EX.DATAERR,
        `unable to extract recipients: ${found.field}: ${found.reason}`,
      );
    }
    lists.push(...found.addresses);
  }
  const recipients = envelopeRecipients(lists, config);
  if (!recipients.ok) throw new SendmailError(EX.DATAERR, recipients.reason);
  if (recipients.addresses.length === 0) {
    throw new SendmailError(
      EX.USAGE,
      options.extractRecipients
        ? "No recipient addresses found in message header"
        : "Recipient addresses must be specified on the command line " +
          "or via the -t option",
    );
  }
  const dsn = recipientDsn(recipients.addresses, options);
  const envelope: NewEnvelope = {
    sender: sender.sender,
    recipients: recipients.addresses,
    clientName: "localhost",
    clientAddress: "127.0.0.1",
    helo: config.myhostname,
    protocol: "LOCAL",
    ...(options.bodyType ? { bodyType: options.bodyType } : {}),
    ...(options.ret ? { ret: options.ret } : {}),
    ...(options.envid ? { envid: options.envid } : {}),
    ...(dsn ? { recipientDsn: dsn } : {}),
  };
  const enqueue = await openGate(config);
  let writer: QueueWriter;
  try {
    writer = await enqueue(envelope, { queue: "maildrop" });
  } catch (error) {
    throw new SendmailError(
      EX.TEMPFAIL,
      `cannot create a queue file: ${reasonOf(error)}`,
    );
  }
  try {
    const headers = completeHeaders(fields, {
      myhostname: config.myhostname,
      mailName: config.mail_name,
      myorigin: config.myorigin,
      uid: user.uid,
      queueId: writer.id,
      sender: sender.sender,
      ...(options.fullName ?? user.fullName
        ? { fullName: options.fullName ?? user.fullName }
        : {}),
      now: now(),
    });
    await writeQueue(writer, headers);
    // The empty line between header and body: the submitted one, or ours.
    const first = section.firstBody;
    const separatorGiven = first !== undefined && first.complete &&
      first.bytes.length === 0;
    await writeQueue(writer, LF);
    try {
      await writeBody(
        writer,
        separatorGiven ? undefined : first,
        lines,
        size,
      );
    } catch (error) {
      if (error instanceof SendmailError) throw error;
      if (error instanceof QueueWriteError) throw error;
      throw inputError(error);
    }
    await commitQueue(writer);
  } catch (error) {
    await writer.abort().catch(() => {});
    if (error instanceof QueueWriteError) {
      throw new SendmailError(
        EX.TEMPFAIL,
        `error writing queue file: ${reasonOf(error.cause)}`,
      );
    }
    throw error;
  }
  return writer.id;
}

/** A failed queue write, told apart from a failed read of the input. */
class QueueWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super("queue write failed");
  }
}

async function writeQueue(writer: QueueWriter, bytes: Uint8Array) {
  try {
    await writer.write(bytes);
  } catch (error) {
    throw new QueueWriteError(error);
  }
}

async function commitQueue(writer: QueueWriter) {
  try {
    await writer.commit();
  } catch (error) {
    throw new QueueWriteError(error);
  }
}

function inputError(error: unknown): SendmailError {
  if (error instanceof SendmailError) return error;
  return new SendmailError(
    EX.NOINPUT,
    `error reading input: ${reasonOf(error)}`,
  );
}

/**
 * Tells a running daemon that maildrop/ has mail (its pickup service).
 * Quiet when no daemon runs: it picks the mail up when it starts.
 */
export async function notifyPickup(queueDirectory: string): Promise<void> {
  try {
    await controlRequest(queueDirectory, "pickup", 10_000);
  } catch (error) {
    if (error instanceof DaemonNotRunningError) return;
    // The daemon's periodic maildrop/ scan takes the message anyway.
  }
}
