/**
 * The non-delivery notification (bounce) sent to a message's sender.
 *
 * DESCRIPTION
 *   `buildBounce` writes, as Postfix's bounce(8) does, a notice titled
 *   "Undelivered Mail Returned to Sender" from MAILER-DAEMON, as an
 *   RFC 3464 delivery status notification in a multipart/report:
 *
 *     part 1  text/plain: the mail system's apology, then one
 *             `<recipient>: reason` paragraph per failed recipient
 *     part 2  message/delivery-status: Reporting-MTA, the original's
 *             queue ID, sender and Arrival-Date, then per recipient
 *             Final-Recipient, Original-Recipient (when known), Action:
 *             failed, Status, Remote-MTA (relayed mail) and
 *             Diagnostic-Code
 *     part 3  the original: message/rfc822 when its content fits in
 *             bounce_size_limit, else text/rfc822-headers (its header
 *             block only, cut at the limit)
 *
 *   The notice comes back as a `head` and a `tail` around part 3: the
 *   sender (bounce.ts) streams the original content, or its header block,
 *   between them, so the original is never held in memory. The envelope
 *   has the null sender (a bounce is never bounced, RFC 5321 section
 *   4.5.5) and the original sender as its only recipient.
 *
 *   Line ends are LF, as the queue stores them. Reasons are wrapped; no
 *   line written here exceeds 998 octets (RFC 5322 section 2.1.1).
 *   Control characters in reasons become spaces; the delivery-status
 *   part stays 7-bit, writing non-ASCII characters as `\x{HEX}`
 *   (RFC 6533 section 3).
 *
 *   Pure: the clock, zone and boundary are passed in.
 *
 * STANDARDS
 *   RFC 3464 (DSN format), RFC 6522 (multipart/report), RFC 3463
 *   (enhanced status codes), RFC 3834 (Auto-Submitted), RFC 2046
 *   section 5.1.1 (boundaries).
 *
 *   Does NOT write to the queue (bounce.ts), decide who bounced
 *   (delivery_attempt.ts), or send postmaster copies or double bounces.
 */
import type { Config } from "../config/types.ts";
import { rfc5322Date } from "../common/rfc5322_date.ts";
import { withoutControlCharacters } from "./queue_file.ts";
import type { Envelope, NewEnvelope } from "./types.ts";

/** One recipient the notice reports as failed. */
export interface BounceFailure {
  /** Envelope recipient as queued. */
  readonly recipient: string;
  /** The recipient as the client first gave it (RCPT TO ORCPT), if known. */
  readonly originalRecipient?: string;
  /** RFC 3463 status, e.g. `5.1.1` (a `4.x.y` for expired mail). */
  readonly dsn: string;
  /** Why delivery failed, as logged in `status=bounced (…)`. */
  readonly reason: string;
  /** The delivery's `relay=` value (`local`, `none`, `host[addr]:port`). */
  readonly relay: string;
}

/** What a notice says, and about which message. */
export interface BounceInput {
  /** The original message's envelope (its content is not needed here). */
  readonly envelope: Pick<
    Envelope,
    "id" | "sender" | "arrivalTime" | "size" | "bodyType"
  >;
  readonly failures: readonly BounceFailure[];
  readonly config: Pick<Config, "myhostname" | "bounce_size_limit">;
  /** Milliseconds since the epoch (the notice's Date:). */
  readonly now: number;
  /** Queue ID of the notice itself, for its Message-Id. */
  readonly queueId?: string;
  /** MIME boundary (default: from the queue ID, time and host name). */
  readonly boundary?: string;
  /** Minutes east of UTC for the dates (default: the local zone). */
  readonly zoneOffsetMinutes?: number;
}

/** A notice ready to be written: head, then the original, then tail. */
export interface BounceMessage {
  /** Null sender, the original sender as the recipient, LOCAL. */
  readonly envelope: NewEnvelope;
  /** Everything before the returned original (LF line ends). */
  readonly head: Uint8Array;
  /** Everything after it: the closing boundary. */
  readonly tail: Uint8Array;
  /**
   * What goes between head and tail: the whole original content, or
   * only its header block, at most bounce_size_limit bytes.
   */
  readonly returned: "message" | "headers";
}

/** Soft width of wrapped text. */
const WRAP_WIDTH = 78;
/**
 * Longest unbroken word in the text part, in characters: four UTF-8
 * octets each still fit a 998-octet line with its indent.
 */
const TEXT_WORD_LIMIT = 240;
/** Longest unbroken word in the (7-bit) delivery-status part. */
const FIELD_WORD_LIMIT = 990;

const STATUS_CODE = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** `\x{HEX}` for every non-ASCII character (RFC 6533 utf-8-addr-xtext). */
function asciiOnly(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0)!;
    out += code > 0x7e ? `\\x{${code.toString(16).toUpperCase()}}` : c;
  }
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7e) return false;
  }
  return true;
}

/** Words of `text`, any word longer than `limit` cut into pieces. */
function words(text: string, limit: number): string[] {
  const out: string[] = [];
  for (const word of text.split(" ")) {
    if (word === "") continue;
    const chars = [...word];
    for (let i = 0; i < chars.length; i += limit) {
      out.push(chars.slice(i, i + limit).join(""));
    }
  }
  return out;
}

/**
 * Lays `text` out in lines of about `WRAP_WIDTH` columns, breaking at
 * spaces; lines after the first start with `indent`. A line breaks only
 * after its first word, so no line is empty.
 */
function wrap(text: string, indent: string, wordLimit: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words(withoutControlCharacters(text), wordLimit)) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length > WRAP_WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += " " + word;
  }
  lines.push(line);
  return lines;
}

/** A delivery-status field, folded with a leading space (RFC 5322 2.2.3). */
function field(name: string, value: string): string {
  return wrap(`${name}: ${asciiOnly(value)}`, " ", FIELD_WORD_LIMIT).join(
    "\n",
  );
}

/** `host` from a `relay=` value `host[addr]:port`; undefined if local. */
export function remoteMta(relay: string): string | undefined {
  if (relay === "none" || relay === "local" || relay === "virtual") {
    return undefined;
  }
  const host = relay.replace(/\[.*$/, "").replace(/:\d+$/, "");
  return host === "" ? undefined : host;
}

/** An address with its RFC 3464 address type. */
function typedAddress(address: string): string {
  return isAscii(address) ? `rfc822; ${address}` : `utf-8; ${address}`;
}

/** Postfix's `YYYYMMDDhhmmss` time stamp (UTC) for Message-Id. */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** The envelope of a notice about a message from `sender`. */
export function bounceEnvelope(
  sender: string,
  myhostname: string,
  bodyType?: NewEnvelope["bodyType"],
): NewEnvelope {
  return {
    sender: "",
    recipients: [sender],
    clientName: "localhost",
    clientAddress: "127.0.0.1",
    helo: myhostname,
    protocol: "LOCAL",
    ...(bodyType === "8BITMIME" ? { bodyType } : {}),
  };
}

function notification(
  input: BounceInput,
  returned: BounceMessage["returned"],
): string[] {
  const attached = returned === "message"
    ? "It's attached below."
    : "Its headers are attached below.";
  const lines = [
    `This is the mail system at host ${input.config.myhostname}.`,
    "",
    "I'm sorry to have to inform you that your message could not",
    `be delivered to one or more recipients. ${attached}`,
    "",
    "For further assistance, please send mail to postmaster.",
    "",
    "If you do so, please include this problem report. You can",
    "delete your own text from the attached returned message.",
    "",
    "                   The mail system",
  ];
  for (const failure of input.failures) {
    lines.push(
      "",
      ...wrap(
        `<${failure.recipient}>: ${failure.reason}`,
        "    ",
        TEXT_WORD_LIMIT,
      ),
    );
  }
  return lines;
}

function deliveryStatus(input: BounceInput, zone: number): string[] {
  const { envelope, config } = input;
  const lines = [
    field("Reporting-MTA", `dns; ${config.myhostname}`),
    field("X-Mailsrv-Queue-ID", envelope.id),
    field("X-Mailsrv-Sender", typedAddress(envelope.sender)),
    field("Arrival-Date", rfc5322Date(envelope.arrivalTime, zone)),
  ];
  for (const failure of input.failures) {
    const status = STATUS_CODE.test(failure.dsn) ? failure.dsn : "5.0.0";
    const remote = remoteMta(failure.relay);
    lines.push(
      "",
      field("Final-Recipient", typedAddress(failure.recipient)),
      ...(failure.originalRecipient === undefined ? [] : [
        field("Original-Recipient", typedAddress(failure.originalRecipient)),
      ]),
      "Action: failed",
      `Status: ${status}`,
      ...(remote === undefined ? [] : [field("Remote-MTA", `dns; ${remote}`)]),
      field("Diagnostic-Code", `X-Postfix; ${failure.reason}`),
    );
  }
  return lines;
}

/**
 * Builds the notice for `input.failures` (at least one) of a message
 * whose sender is not the null sender.
 * @throws Error when called for the null sender or with no failures (bugs)
 */
export function buildBounce(input: BounceInput): BounceMessage {
  const { envelope, config, now } = input;
  if (envelope.sender === "") {
    throw new Error(`No bounce for the null sender of "${envelope.id}"`);
  }
  if (input.failures.length === 0) {
    throw new Error(`No failed recipient to report for "${envelope.id}"`);
  }
  const zone = input.zoneOffsetMinutes ?? -new Date(now).getTimezoneOffset();
  // At most 70 characters (RFC 2046 section 5.1.1).
  const boundary = input.boundary ??
    `${envelope.id}.${Math.floor(now / 1000)}/${config.myhostname}`.slice(
      0,
      70,
    );
  const returned = envelope.size <= config.bounce_size_limit
    ? "message"
    : "headers";
  const eightBit = envelope.bodyType === "8BITMIME";
  const text = notification(input, returned);
  const textAscii = text.every(isAscii);
  const head = [
    `From: MAILER-DAEMON@${config.myhostname} (Mail Delivery System)`,
    `To: <${withoutControlCharacters(envelope.sender)}>`,
    "Subject: Undelivered Mail Returned to Sender",
    `Date: ${rfc5322Date(now, zone)}`,
    `Message-Id: <${compactTime(now)}.${
      input.queueId ?? envelope.id
    }@${config.myhostname}>`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    "Content-Type: multipart/report; report-type=delivery-status;",
    `\tboundary="${boundary}"`,
    ...(eightBit || !textAscii ? ["Content-Transfer-Encoding: 8bit"] : []),
    "",
    "This is a MIME-encapsulated message.",
    "",
    `--${boundary}`,
    "Content-Description: Notification",
    `Content-Type: text/plain; charset=${textAscii ? "us-ascii" : "utf-8"}`,
    ...(textAscii ? [] : ["Content-Transfer-Encoding: 8bit"]),
    "",
    ...text,
    "",
    `--${boundary}`,
    "Content-Description: Delivery report",
    "Content-Type: message/delivery-status",
    "",
    ...deliveryStatus(input, zone),
    "",
    `--${boundary}`,
    returned === "message"
      ? "Content-Description: Undelivered Message"
      : "Content-Description: Undelivered Message Headers",
    returned === "message"
      ? "Content-Type: message/rfc822"
      : "Content-Type: text/rfc822-headers",
    ...(eightBit ? ["Content-Transfer-Encoding: 8bit"] : []),
    "",
    "",
  ].join("\n");
  const encoder = new TextEncoder();
  return {
    envelope: bounceEnvelope(
      envelope.sender,
      config.myhostname,
      envelope.bodyType,
    ),
    head: encoder.encode(head),
    // The line end before a boundary belongs to the boundary (RFC 2046
    // section 5.1.1), so the original keeps its own last line end.
    tail: encoder.encode(`\n--${boundary}--\n`),
    returned,
  };
}
