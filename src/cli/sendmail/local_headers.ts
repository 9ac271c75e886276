/**
 * The headers of a locally submitted message, as Postfix's cleanup
 * completes them for mail from sendmail(1).
 *
 * DESCRIPTION
 *   `groupHeaderFields` groups header lines into fields (a field and its
 *   continuation lines). `recipientsInHeaders` lists the recipients that
 *   `sendmail -t` takes from To:, Cc: and Bcc: (only from Resent-To:,
 *   Resent-Cc: and Resent-Bcc: when the message has any of those: it is
 *   being resent). `completeHeaders` then writes the header section that
 *   goes into the queue:
 *
 *     Received: by HOST (mailsrv, from userid UID)
 *             id QUEUEID; DATE
 *     ...the submitted fields, less Bcc: and Resent-Bcc:...
 *     From: Full Name <sender>        when the message has no From:
 *     Date: DATE                      when it has no Date:
 *     Message-Id: <YYYYMMDDhhmmss.QUEUEID@HOST>   when it has none
 *
 *   Pure: the clock, the user and the queue ID are passed in. Used by
 *   local_submission.ts.
 *
 * STANDARDS
 *   RFC 5322 sections 3.6.2 (From:), 3.6.3 (To:, Cc:, Bcc:), 3.6.4
 *   (Message-ID:), 3.6.6 (Resent- fields), 3.6.7 (Received:); RFC 2047
 *   (a full name that is not ASCII).
 *
 *   Does NOT rewrite addresses inside headers (Postfix's
 *   canonical_maps/masquerading have no counterpart in mailsrv yet).
 */
import { joinBytes } from "../../common/join_bytes.ts";
import { rfc5322Date } from "../../common/rfc5322_date.ts";
import { addressesIn } from "./address_list.ts";

/** One header field: its name and its lines (without line ends). */
export interface HeaderField {
  /** The field name as written (`Subject`). */
  readonly name: string;
  /** The first line and its continuation lines, as submitted. */
  readonly lines: readonly Uint8Array[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Whether `line` starts a header field (`Name:`). */
export function isFieldStart(line: string): boolean {
  return /^[!-9;-~]+:/.test(line);
}

/** Whether `line` continues the field before it. */
export function isContinuation(line: string): boolean {
  return line.startsWith(" ") || line.startsWith("\t");
}

/** Groups header lines (field starts and continuations) into fields. */
export function groupHeaderFields(
  lines: readonly Uint8Array[],
): HeaderField[] {
  const fields: { name: string; lines: Uint8Array[] }[] = [];
  for (const line of lines) {
    const text = decoder.decode(line);
    const last = fields[fields.length - 1];
    if (last !== undefined && isContinuation(text)) {
      last.lines.push(line);
    } else {
      fields.push({ name: text.slice(0, text.indexOf(":")), lines: [line] });
    }
  }
  return fields;
}

/** The unfolded value of a field (after the colon). */
export function fieldValue(field: HeaderField): string {
  const text = field.lines.map((line) => decoder.decode(line)).join(" ");
  return text.slice(text.indexOf(":") + 1).trim();
}

const RECIPIENT_FIELDS = ["to", "cc", "bcc"];
const RESENT_FIELDS = ["resent-to", "resent-cc", "resent-bcc"];

/**
 * The recipients `sendmail -t` takes from the fields, in order.
 * @returns the addresses, or the first field that cannot be read
 */
export function recipientsInHeaders(
  fields: readonly HeaderField[],
):
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly field: string; readonly reason: string } {
  const lower = (f: HeaderField) => f.name.toLowerCase();
  const resent = fields.some((f) => RESENT_FIELDS.includes(lower(f)));
  const wanted = resent ? RESENT_FIELDS : RECIPIENT_FIELDS;
  const addresses: string[] = [];
  for (const field of fields) {
    if (!wanted.includes(lower(field))) continue;
    const result = addressesIn(fieldValue(field));
    if (!result.ok) {
      return { ok: false, field: field.name, reason: result.reason };
    }
    addresses.push(...result.addresses);
  }
  return { ok: true, addresses };
}

/** What the added headers say. */
export interface LocalHeaderFacts {
  /** `myhostname`. */
  readonly myhostname: string;
  /** `mail_name` (`mailsrv`). */
  readonly mailName: string;
  /** The submitting user's numeric ID. */
  readonly uid: number;
  /** The queue ID. */
  readonly queueId: string;
  /** The envelope sender ("" for the null sender), qualified. */
  readonly sender: string;
  /** The full name for an added From:, if known. */
  readonly fullName?: string;
  /** `myorigin`, for the null sender's From:. */
  readonly myorigin: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Minutes east of UTC (default: the local zone at `now`). */
  readonly zoneOffsetMinutes?: number;
}

/** A phrase (display name) as RFC 5322 and RFC 2047 want it. */
export function displayName(name: string): string {
  if (/[^\x20-\x7e]/.test(name)) {
    const bytes = encoder.encode(name);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return `=?UTF-8?B?${btoa(binary)}?=`;
  }
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(name)) return name;
  return `"${name.replace(/["\\]/g, "\\$&")}"`;
}

const two = (n: number) => String(n).padStart(2, "0");

/** `YYYYMMDDhhmmss` in UTC, the time part of Postfix's Message-Id. */
function compactTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${
    two(d.getUTCDate())
  }${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/**
 * The header section to queue: the Received: line, the kept fields and
 * the missing ones (see the module comment), LF line ends, without the
 * empty line that ends it.
 */
export function completeHeaders(
  fields: readonly HeaderField[],
  facts: LocalHeaderFacts,
): Uint8Array {
  const zone = facts.zoneOffsetMinutes ??
    -new Date(facts.now).getTimezoneOffset();
  const date = rfc5322Date(facts.now, zone);
  const has = (name: string) =>
    fields.some((f) => f.name.toLowerCase() === name);
  const added: string[] = [];
  if (!has("from")) {
    const from = facts.sender === ""
      ? `MAILER-DAEMON@${facts.myorigin} (Mail Delivery System)`
      : facts.fullName
      ? `${displayName(facts.fullName)} <${facts.sender}>`
      : facts.sender;
    added.push(`From: ${from}`);
  }
  if (!has("date")) added.push(`Date: ${date}`);
  if (!has("message-id")) {
    added.push(
      `Message-Id: <${
        compactTime(facts.now)
      }.${facts.queueId}@${facts.myhostname}>`,
    );
  }
  const received = `Received: by ${facts.myhostname} (${facts.mailName}, ` +
    `from userid ${facts.uid})\n\tid ${facts.queueId}; ${date}\n`;
  const kept = fields.filter((f) =>
    !["bcc", "resent-bcc"].includes(f.name.toLowerCase())
  );
  const parts: Uint8Array[] = [encoder.encode(received)];
  for (const field of kept) {
    for (const line of field.lines) {
      parts.push(line, LF);
    }
  }
  parts.push(encoder.encode(added.map((line) => line + "\n").join("")));
  return joinBytes(parts);
}

const LF = new Uint8Array([10]);
