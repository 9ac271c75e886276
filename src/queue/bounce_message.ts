/**
 * Delivery status notices: bounces, delay warnings, success reports and
 * postmaster copies, as RFC 3464 reports.
 *
 * DESCRIPTION
 *   `buildBounce` writes, as Postfix's bounce(8) does, a notice from
 *   MAILER-DAEMON as an RFC 3464 delivery status notification in a
 *   multipart/report. Its kind (notice_kind.ts) sets the Subject, the
 *   opening text (notice_text.ts) and the default Action:
 *
 *     failure     "Undelivered Mail Returned to Sender"   Action: failed
 *     delay       "Delayed Mail (still being retried)"    Action: delayed
 *     success     "Successful Mail Delivery Report"       Action: delivered,
 *                                                         relayed, expanded
 *     postmaster  "Postmaster Copy: Undelivered Mail"     Action: failed
 *
 *   The parts:
 *
 *     part 1  text/plain: the opening text, then one
 *             `<recipient>: reason` paragraph per recipient
 *     part 2  message/delivery-status: Original-Envelope-Id (when the
 *             client gave ENVID), Reporting-MTA, Arrival-Date, the
 *             original's queue ID and sender; then per recipient
 *             Original-Recipient (from ORCPT), Final-Recipient, Action,
 *             Status, Remote-MTA (relayed mail), Diagnostic-Code, and
 *             Will-Retry-Until in a delay notice
 *     part 3  the original: message/rfc822 when the kind and RET ask for
 *             the whole message and it fits in bounce_size_limit, else
 *             text/rfc822-headers (its header block only, cut at the
 *             limit)
 *
 *   The notice comes back as a `head` and a `tail` around part 3: the
 *   sender (bounce.ts) streams the original content, or its header block,
 *   between them, so the original is never held in memory. The envelope
 *   has the null sender (a notice is never bounced, RFC 5321 section
 *   4.5.5) and the original sender as its only recipient; a postmaster
 *   copy comes from `double-bounce@$myhostname` instead, so that its own
 *   failure is recognised and dropped (bounce.ts).
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
 *   RFC 3464 (DSN format), RFC 3461 section 6 (which notices, ORCPT,
 *   ENVID, RET), RFC 6522 (multipart/report), RFC 3463 (enhanced status
 *   codes), RFC 3834 (Auto-Submitted), RFC 2046 section 5.1.1
 *   (boundaries).
 *
 *   Does NOT write to the queue (bounce.ts), or decide who bounced or
 *   who asked for a notice (delivery_attempt.ts, dsn_notices.ts).
 */
import type { Config } from "../config/types.ts";
import { rfc5322Date } from "../common/rfc5322_date.ts";
import {
  defaultAction,
  type DsnAction,
  type NoticeKind,
  returnsMessage,
} from "./notice_kind.ts";
import { noticeOpening, noticeSubject } from "./notice_text.ts";
import { withoutControlCharacters } from "./queue_file.ts";
import type { Envelope, NewEnvelope, OriginalRecipient } from "./types.ts";

/** One recipient the notice reports on. */
export interface BounceFailure {
  /** Envelope recipient as queued. */
  readonly recipient: string;
  /** The recipient as the client first gave it (RCPT TO ORCPT), if known. */
  readonly originalRecipient?: OriginalRecipient;
  /** RFC 3463 status, e.g. `5.1.1` (a `4.x.y` for expired mail). */
  readonly dsn: string;
  /** What happened, as logged in `status=… (…)`. */
  readonly reason: string;
  /** The delivery's `relay=` value (`local`, `none`, `host[addr]:port`). */
  readonly relay: string;
  /** The `Action:`; by default the notice kind's (failed, delayed, …). */
  readonly action?: DsnAction;
  /** The queue recipient an alias or list member was expanded from. */
  readonly expandedFrom?: string;
}

/** What a notice says, and about which message. */
export interface BounceInput {
  /** What the notice reports (default: failure, a bounce). */
  readonly kind?: NoticeKind;
  /** The original message's envelope (its content is not needed here). */
  readonly envelope: Pick<
    Envelope,
    "id" | "sender" | "arrivalTime" | "size" | "bodyType" | "ret" | "envid"
  >;
  /** The recipients reported on (the name is the bounce's). */
  readonly failures: readonly BounceFailure[];
  /** Who gets the notice (default: the original's sender). */
  readonly to?: string;
  readonly config:
    & Pick<Config, "myhostname" | "bounce_size_limit">
    & Partial<Pick<Config, "maximal_queue_lifetime">>;
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

/** The sender of postmaster copies (Postfix's double_bounce_sender). */
export function doubleBounceSender(myhostname: string): string {
  return `double-bounce@${myhostname}`;
}

/**
 * The envelope of a notice to `to`: from the null sender, or for a
 * postmaster copy from the double-bounce address.
 */
export function bounceEnvelope(
  to: string,
  myhostname: string,
  bodyType?: NewEnvelope["bodyType"],
  kind: NoticeKind = "failure",
): NewEnvelope {
  return {
    sender: kind === "postmaster" ? doubleBounceSender(myhostname) : "",
    recipients: [to],
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
  const lines = noticeOpening({
    kind: input.kind ?? "failure",
    myhostname: input.config.myhostname,
    returned,
    ageMs: input.now - input.envelope.arrivalTime,
    lifetimeSeconds: input.config.maximal_queue_lifetime,
  });
  for (const failure of input.failures) {
    lines.push(
      "",
      ...wrap(
        `<${failure.recipient}>${
          failure.expandedFrom === undefined
            ? ""
            : ` (expanded from <${failure.expandedFrom}>)`
        }: ${failure.reason}`,
        "    ",
        TEXT_WORD_LIMIT,
      ),
    );
  }
  return lines;
}

/** A status code fit for `kind`, whatever the delivery reported. */
function statusCode(dsn: string, kind: NoticeKind): string {
  if (STATUS_CODE.test(dsn)) return dsn;
  if (kind === "success") return "2.0.0";
  return kind === "delay" ? "4.0.0" : "5.0.0";
}

function deliveryStatus(input: BounceInput, zone: number): string[] {
  const { envelope, config } = input;
  const kind = input.kind ?? "failure";
  const lines = [
    ...(envelope.envid === undefined
      ? []
      : [field("Original-Envelope-Id", envelope.envid)]),
    field("Reporting-MTA", `dns; ${config.myhostname}`),
    field("Arrival-Date", rfc5322Date(envelope.arrivalTime, zone)),
    field("X-Mailsrv-Queue-ID", envelope.id),
    field("X-Mailsrv-Sender", typedAddress(envelope.sender)),
  ];
  const retryUntil = kind === "delay" &&
      config.maximal_queue_lifetime !== undefined
    ? rfc5322Date(
      envelope.arrivalTime + config.maximal_queue_lifetime * 1000,
      zone,
    )
    : undefined;
  for (const failure of input.failures) {
    const remote = remoteMta(failure.relay);
    const original = failure.originalRecipient;
    lines.push(
      "",
      ...(original === undefined ? [] : [
        field("Original-Recipient", `${original.type}; ${original.address}`),
      ]),
      field("Final-Recipient", typedAddress(failure.recipient)),
      `Action: ${failure.action ?? defaultAction(kind)}`,
      `Status: ${statusCode(failure.dsn, kind)}`,
      ...(remote === undefined ? [] : [field("Remote-MTA", `dns; ${remote}`)]),
      field("Diagnostic-Code", `X-Postfix; ${failure.reason}`),
      ...(retryUntil === undefined
        ? []
        : [field("Will-Retry-Until", retryUntil)]),
    );
  }
  return lines;
}

/** Part 3's description: what the message is, and what of it is there. */
function returnedDescription(
  kind: NoticeKind,
  returned: BounceMessage["returned"],
): string {
  const what = kind === "success"
    ? "Delivered Message"
    : kind === "delay"
    ? "Delayed Message"
    : "Undelivered Message";
  return returned === "message" ? what : `${what} Headers`;
}

/**
 * Builds the notice for `input.failures` (at least one) of a message
 * whose sender is not the null sender (but for a postmaster copy).
 * @throws Error when it has nobody to go to or nothing to say (bugs)
 */
export function buildBounce(input: BounceInput): BounceMessage {
  const { envelope, config, now } = input;
  const kind = input.kind ?? "failure";
  const to = input.to ?? envelope.sender;
  if (to === "") {
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
  const returned = returnsMessage(kind, envelope.ret) &&
      envelope.size <= config.bounce_size_limit
    ? "message"
    : "headers";
  const eightBit = envelope.bodyType === "8BITMIME";
  const text = notification(input, returned);
  const textAscii = text.every(isAscii);
  const head = [
    `From: MAILER-DAEMON@${config.myhostname} (Mail Delivery System)`,
    `To: <${withoutControlCharacters(to)}>`,
    `Subject: ${noticeSubject(kind)}`,
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
    `Content-Description: ${returnedDescription(kind, returned)}`,
    returned === "message"
      ? "Content-Type: message/rfc822"
      : "Content-Type: text/rfc822-headers",
    ...(eightBit ? ["Content-Transfer-Encoding: 8bit"] : []),
    "",
    "",
  ].join("\n");
  const encoder = new TextEncoder();
  return {
    envelope: bounceEnvelope(to, config.myhostname, envelope.bodyType, kind),
    head: encoder.encode(head),
    // The line end before a boundary belongs to the boundary (RFC 2046
    // section 5.1.1), so the original keeps its own last line end.
    tail: encoder.encode(`\n--${boundary}--\n`),
    returned,
  };
}
