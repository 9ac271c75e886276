/**
 * The queue file format, versions 1, 2 and 3: encode and parse (pure).
 *
 * DESCRIPTION
 *   A queue file is a header of `name=value` lines, an empty line, and the
 *   message content with LF line ends:
 *
 *     MAILSRV-QUEUE 2
 *     id=0Ab3xYz12kLmN9q
 *     arrival=1700000000000
 *     size=000000000001234
 *     sender=alice@example.com
 *     client_name=mx.example.com
 *     client_address=192.0.2.1
 *     helo=mx.example.com
 *     protocol=ESMTP
 *     body=8BITMIME
 *     ret=HDRS
 *     envid=QQ314159
 *     rcpt=P bob@example.org
 *     notify=SUCCESS,FAILURE
 *     orcpt=rfc822;Bob@Example.ORG
 *     rcpt=D carol@example.org
 *
 *     Received: ...
 *
 *   `size` has a fixed width so the writer can fill it in place once the
 *   content is complete. Each `rcpt` line carries a one-byte status at a
 *   known offset (P pending, D delivered, B bounced, W pending with a
 *   delay notice sent), so recording a delivery overwrites one byte,
 *   which is atomic on every file system.
 *
 *   Version 2 adds the DSN fields (`ret`, `envid`, and per recipient
 *   `notify` and `orcpt` lines right after its `rcpt` line) and the `W`
 *   status. A file that carries none of them is written as version 1,
 *   byte for byte as before, so an older daemon still reads it; one that
 *   does says version 2, which an older daemon refuses by name rather
 *   than misreads. The parser reads both, and takes version 2 features
 *   in a file that says 1 (see `markDelayWarned` in recipient_marks.ts).
 *   Version 3 adds `filter=transport:nexthop` (an access map's FILTER
 *   action, a listener's content_filter): every recipient goes there
 *   instead of its own route. A version 2 daemon refuses such a file, so
 *   filtered mail is never delivered unfiltered by an older daemon.
 *   Version 4 adds `trailer=` (fixed width, like `size`): the length of
 *   header lines decided at the end of data (Authentication-Results),
 *   stored after the content, which every reader puts in front of it;
 *   the content streamed into the file cannot be changed without a
 *   copy, and a trailer costs one more write in the same fsync.
 *
 *   Values are text: '%', CR, LF, NUL and the other control characters are
 *   written as %XX, so no address or HELO argument can start a line of its
 *   own. The parser checks everything (version, required and unknown
 *   fields, encodings, size against the file length) and throws
 *   `CorruptQueueFileError` for any file it cannot fully trust.
 *
 *   Used by the queue store (writer, reader) and through it by the queue
 *   manager and `mailsrv queue`. No I/O here; see docs/queue-format.md.
 */
import type {
  DsnNotifyKeyword,
  Envelope,
  NewEnvelope,
  OriginalRecipient,
  QueuedRecipient,
  RecipientDsn,
  RecipientStatus,
} from "./types.ts";

/** First line of a version 1 queue file (no DSN fields). */
export const QUEUE_FILE_MAGIC = "MAILSRV-QUEUE 1";
/** First line of a version 2 queue file (DSN fields, `W` status). */
export const QUEUE_FILE_MAGIC_V2 = "MAILSRV-QUEUE 2";
/** First line of a version 3 queue file (a content `filter`). */
export const QUEUE_FILE_MAGIC_V3 = "MAILSRV-QUEUE 3";
/** First line of a version 4 queue file (a `trailer` of header lines). */
export const QUEUE_FILE_MAGIC_V4 = "MAILSRV-QUEUE 4";
const MAGIC_PREFIX = "MAILSRV-QUEUE ";
/** Byte offset of the version digit in the first line. */
export const VERSION_OFFSET = MAGIC_PREFIX.length;
/** The version digit of version 2. */
export const VERSION_2_BYTE = 0x32;

/** Digits of the fixed-width `size` field. */
export const SIZE_FIELD_WIDTH = 15;
const MAX_SIZE = 10 ** SIZE_FIELD_WIDTH - 1;

const LF = 0x0a;
const RCPT_PREFIX = "rcpt=";

/** Status byte of each recipient status. */
const STATUS_CHARACTER: Record<RecipientStatus, string> = {
  pending: "P",
  delivered: "D",
  bounced: "B",
};
const STATUS_BY_CHARACTER: Record<string, RecipientStatus> = {
  P: "pending",
  D: "delivered",
  B: "bounced",
  W: "pending",
};
/** Status byte of a pending recipient that has had its delay notice. */
export const DELAY_WARNED_BYTE = 0x57;

/** A queue file that cannot be trusted; the message goes to corrupt/. */
export class CorruptQueueFileError extends Error {
  /** @param message why the file is rejected (for the maillog warning) */
  constructor(message: string) {
    super(message);
    this.name = "CorruptQueueFileError";
  }
}

/** An encoded header and where the writer must patch the size. */
export interface EncodedQueueFileHeader {
  /** Header bytes including the terminating empty line. */
  readonly bytes: Uint8Array;
  /** Byte offset of the first digit of the `size` field. */
  readonly sizeOffset: number;
  /** Byte offset of the first digit of the `trailer` field (version 4). */
  readonly trailerOffset?: number;
}

/** The byte that records `status` in a `rcpt` line. */
export function statusByte(status: RecipientStatus): number {
  return STATUS_CHARACTER[status].charCodeAt(0);
}

/** The status a status byte records, or undefined for any other byte. */
export function statusFromByte(byte: number): RecipientStatus | undefined {
  return STATUS_BY_CHARACTER[String.fromCharCode(byte)];
}

/** Whether `c` is a C0 control character or DEL (never valid in a line). */
export function isControlCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** Replaces control characters with spaces, so text stays on one line. */
export function withoutControlCharacters(text: string): string {
  let out = "";
  for (const c of text) out += isControlCharacter(c) ? " " : c;
  return out;
}

/** Writes each character for which `special(c)` holds as %XX. */
export function percentEncode(
  text: string,
  special: (c: string) => boolean,
): string {
  let out = "";
  for (const c of text) {
    out += special(c)
      ? "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")
      : c;
  }
  return out;
}

/** Escapes '%' and control characters as %XX (uppercase hex). */
export function encodeValue(value: string): string {
  return percentEncode(value, (c) => c === "%" || isControlCharacter(c));
}

/** A C0 control character or DEL, as `isControlCharacter` says. */
// deno-lint-ignore no-control-regex -- finding them is the point
const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** Reverses `percentEncode`; throws on a malformed escape or raw control. */
export function decodeValue(text: string): string {
  if (CONTROL_CHARACTER.test(text)) {
    throw new CorruptQueueFileError("unencoded control character in header");
  }
  if (!text.includes("%")) return text;
  return text.replace(/%(..)?/g, (_, hex: string | undefined) => {
    if (hex === undefined || !/^[0-9A-F]{2}$/.test(hex)) {
      throw new CorruptQueueFileError(
        `malformed escape "%${hex ?? ""}" in header`,
      );
    }
    return String.fromCharCode(parseInt(hex, 16));
  });
}

/** The fixed-width decimal text of a content size. */
export function encodeSizeField(size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) {
    throw new Error(`Message size ${size} does not fit the size field`);
  }
  return new TextEncoder().encode(
    String(size).padStart(SIZE_FIELD_WIDTH, "0"),
  );
}

/** The NOTIFY keywords, as a `notify` line (and RCPT TO) writes them. */
export function formatNotify(notify: readonly DsnNotifyKeyword[]): string {
  return notify.join(",");
}

/** Whether `dsn` carries a DSN parameter. */
function hasDsn(dsn: RecipientDsn | undefined): dsn is RecipientDsn {
  return dsn !== undefined &&
    (dsn.notify !== undefined || dsn.orcpt !== undefined);
}

/**
 * The first line of a new file for `envelope`: version 3 with a content
 * filter (an older daemon must refuse it rather than deliver the message
 * unfiltered), version 2 with DSN fields, else version 1.
 */
function magicFor(envelope: NewEnvelope): string {
  if (envelope.trailer) return QUEUE_FILE_MAGIC_V4;
  if (envelope.filter !== undefined) return QUEUE_FILE_MAGIC_V3;
  return needsVersion2(envelope) ? QUEUE_FILE_MAGIC_V2 : QUEUE_FILE_MAGIC;
}

/** Whether a new file for `envelope` needs version 2 (DSN fields). */
function needsVersion2(envelope: NewEnvelope): boolean {
  if (envelope.ret !== undefined || envelope.envid !== undefined) return true;
  const dsn = envelope.recipientDsn;
  return dsn !== undefined &&
    envelope.recipients.some((address) => hasDsn(dsn.get(address)));
}

/** A `rcpt` line and its DSN lines. */
function recipientLines(
  address: string,
  dsn: RecipientDsn | undefined,
): string[] {
  if (address === "") throw new Error("Empty recipient address");
  const lines = [`${RCPT_PREFIX}P ${encodeValue(address)}`];
  if (dsn?.notify !== undefined) {
    lines.push(`notify=${formatNotify(dsn.notify)}`);
  }
  if (dsn?.orcpt !== undefined) {
    lines.push(
      `orcpt=${encodeValue(`${dsn.orcpt.type};${dsn.orcpt.address}`)}`,
    );
  }
  return lines;
}

/**
 * A whole queue file for `content` at once (header, size, content), as
 * benchmarks and tests lay out queues without the gate; mail that is
 * received goes through queue_writer.ts, which streams and fsyncs.
 */
export function encodeWholeQueueFile(
  id: string,
  arrivalTime: number,
  envelope: NewEnvelope,
  content: Uint8Array,
): Uint8Array {
  const { bytes, sizeOffset } = encodeQueueFileHeader(
    id,
    arrivalTime,
    envelope,
  );
  bytes.set(encodeSizeField(content.length), sizeOffset);
  const file = new Uint8Array(bytes.length + content.length);
  file.set(bytes);
  file.set(content, bytes.length);
  return file;
}

/**
 * Encodes the header of a new queue file; the size field holds zeros
 * until the writer patches it. Version 1 unless the envelope has DSN
 * parameters.
 */
export function encodeQueueFileHeader(
  id: string,
  arrivalTime: number,
  envelope: NewEnvelope,
): EncodedQueueFileHeader {
  if (!/^[0-9A-Za-z]+$/.test(id)) throw new Error(`Bad queue ID "${id}"`);
  if (!Number.isSafeInteger(arrivalTime) || arrivalTime < 0) {
    throw new Error(`Bad arrival time "${arrivalTime}"`);
  }
  if (envelope.recipients.length === 0) {
    throw new Error(`Queue file "${id}" needs at least one recipient`);
  }
  const before = [
    magicFor(envelope),
    `id=${id}`,
    `arrival=${arrivalTime}`,
    "size=",
  ].join("\n");
  const trailer = envelope.trailer ? "\ntrailer=" : "";
  const after = [
    "0".repeat(SIZE_FIELD_WIDTH) +
    (envelope.trailer ? trailer + "0".repeat(SIZE_FIELD_WIDTH) : ""),
    `sender=${encodeValue(envelope.sender)}`,
    `client_name=${encodeValue(envelope.clientName)}`,
    `client_address=${encodeValue(envelope.clientAddress)}`,
    `helo=${encodeValue(envelope.helo)}`,
    `protocol=${encodeValue(envelope.protocol)}`,
    ...(envelope.bodyType ? [`body=${envelope.bodyType}`] : []),
    ...(envelope.ret ? [`ret=${envelope.ret}`] : []),
    ...(envelope.envid !== undefined
      ? [`envid=${encodeValue(envelope.envid)}`]
      : []),
    ...(envelope.filter !== undefined
      ? [`filter=${encodeValue(envelope.filter)}`]
      : []),
    ...envelope.recipients.flatMap((address) =>
      recipientLines(address, envelope.recipientDsn?.get(address))
    ),
    "",
    "",
  ].join("\n");
  const encoder = new TextEncoder();
  const head = encoder.encode(before);
  const tail = encoder.encode(after);
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  return {
    bytes,
    sizeOffset: head.length,
    ...(envelope.trailer
      ? { trailerOffset: head.length + SIZE_FIELD_WIDTH + trailer.length }
      : {}),
  };
}

/** Index just past the header's empty line, or -1 if not in `bytes`. */
export function findHeaderEnd(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) {
    if (bytes[i + 1] === LF) return i + 2;
  }
  return -1;
}

const REQUIRED = [
  "id",
  "arrival",
  "size",
  "sender",
  "client_name",
  "client_address",
  "helo",
  "protocol",
] as const;
const OPTIONAL = ["body", "ret", "envid", "filter", "trailer"] as const;
type FieldName = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
const KNOWN = new Set<string>([...REQUIRED, ...OPTIONAL]);

/**
 * Decoders made once: a queue file is parsed for every delivery, and a
 * decoder without `stream` keeps nothing between calls.
 */
const LENIENT_TEXT = new TextDecoder();
const STRICT_TEXT = new TextDecoder("utf-8", { fatal: true });

/** Longest line read without the decoder (an argument list's length). */
const ASCII_LINE_MAX = 1024;

/**
 * The text of `bytes[start, end)` when it is short and plain ASCII (as
 * nearly every header line is: a call into the decoder costs more than
 * the line), else undefined.
 */
function asciiLine(
  bytes: Uint8Array,
  start: number,
  end: number,
): string | undefined {
  if (end - start > ASCII_LINE_MAX) return undefined;
  for (let i = start; i < end; i++) if (bytes[i] > 0x7f) return undefined;
  return String.fromCharCode.apply(
    null,
    bytes.subarray(start, end) as unknown as number[],
  );
}

function checkMagic(bytes: Uint8Array): void {
  const end = bytes.indexOf(LF);
  const first = LENIENT_TEXT.decode(
    bytes.subarray(0, end < 0 ? Math.min(bytes.length, 64) : end),
  );
  if (
    first === QUEUE_FILE_MAGIC || first === QUEUE_FILE_MAGIC_V2 ||
    first === QUEUE_FILE_MAGIC_V3 || first === QUEUE_FILE_MAGIC_V4
  ) return;
  if (first.startsWith(MAGIC_PREFIX) && end >= 0) {
    throw new CorruptQueueFileError(
      `unsupported queue file version "${first.slice(MAGIC_PREFIX.length)}"`,
    );
  }
  throw new CorruptQueueFileError("not a mailsrv queue file");
}

function parseRecipient(
  value: string,
  lineStart: number,
  lineNumber: number,
): QueuedRecipient {
  const status = STATUS_BY_CHARACTER[value[0]];
  if (!status || value[1] !== " " || value.length < 3) {
    throw new CorruptQueueFileError(
      `malformed recipient on header line ${lineNumber}`,
    );
  }
  return {
    address: decodeValue(value.slice(2)),
    status,
    statusOffset: lineStart + RCPT_PREFIX.length,
    ...(value[0] === "W" ? { delayWarned: true } : {}),
  };
}

const NOTIFY_LIST =
  /^(NEVER|(SUCCESS|FAILURE|DELAY)(,(SUCCESS|FAILURE|DELAY))*)$/;
const ORCPT_VALUE = /^([^;\s]+);(.+)$/s;

/** Adds a `notify` or `orcpt` line's value to the recipient before it. */
function withRecipientDsn(
  recipient: QueuedRecipient | undefined,
  name: "notify" | "orcpt",
  value: string,
  lineNumber: number,
): QueuedRecipient {
  if (recipient === undefined || recipient[name] !== undefined) {
    throw new CorruptQueueFileError(
      `misplaced "${name}" on header line ${lineNumber}`,
    );
  }
  if (name === "notify") {
    if (!NOTIFY_LIST.test(value)) {
      throw new CorruptQueueFileError(`bad notify "${value}"`);
    }
    const notify = value.split(",") as DsnNotifyKeyword[];
    return { ...recipient, notify };
  }
  const match = ORCPT_VALUE.exec(decodeValue(value));
  if (match === null) throw new CorruptQueueFileError(`bad orcpt "${value}"`);
  const orcpt: OriginalRecipient = { type: match[1], address: match[2] };
  return { ...recipient, orcpt };
}

function parseNumber(name: string, text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new CorruptQueueFileError(`bad ${name} "${text}"`);
  }
  return value;
}

/**
 * Parses a queue file from bytes that hold at least its whole header.
 * @param bytes the start of the file (the header, and perhaps content)
 * @param fileLength the length of the whole file, checked against `size`
 * @throws CorruptQueueFileError for anything but a valid version 1, 2 or
 *   3 file
 */
export function parseQueueFile(
  bytes: Uint8Array,
  fileLength: number,
): Envelope {
  checkMagic(bytes);
  const contentOffset = findHeaderEnd(bytes);
  if (contentOffset < 0) {
    throw new CorruptQueueFileError("header has no terminating empty line");
  }
  const decoder = STRICT_TEXT;
  const fields = new Map<FieldName, string>();
  const recipients: QueuedRecipient[] = [];
  let lineStart = bytes.indexOf(LF) + 1;
  for (let lineNumber = 2; lineStart < contentOffset - 1; lineNumber++) {
    const lineEnd = bytes.indexOf(LF, lineStart);
    let line: string;
    try {
      line = asciiLine(bytes, lineStart, lineEnd) ??
        decoder.decode(bytes.subarray(lineStart, lineEnd));
    } catch {
      throw new CorruptQueueFileError(
        `header line ${lineNumber} is not valid UTF-8`,
      );
    }
    const equals = line.indexOf("=");
    if (equals <= 0) {
      throw new CorruptQueueFileError(`malformed header line ${lineNumber}`);
    }
    const name = line.slice(0, equals);
    const value = line.slice(equals + 1);
    if (name === "rcpt") {
      recipients.push(parseRecipient(value, lineStart, lineNumber));
    } else if (name === "notify" || name === "orcpt") {
      const last = recipients.pop();
      recipients.push(withRecipientDsn(last, name, value, lineNumber));
    } else if (!KNOWN.has(name)) {
      throw new CorruptQueueFileError(`unknown header field "${name}"`);
    } else if (fields.has(name as FieldName)) {
      throw new CorruptQueueFileError(`duplicate header field "${name}"`);
    } else {
      fields.set(name as FieldName, decodeValue(value));
    }
    lineStart = lineEnd + 1;
  }
  for (const name of REQUIRED) {
    if (!fields.has(name)) {
      throw new CorruptQueueFileError(`missing header field "${name}"`);
    }
  }
  if (recipients.length === 0) {
    throw new CorruptQueueFileError("no recipients");
  }
  const field = (name: FieldName) => fields.get(name)!;
  const id = field("id");
  if (!/^[0-9A-Za-z]+$/.test(id)) {
    throw new CorruptQueueFileError(`bad queue ID "${id}"`);
  }
  const sizeText = field("size");
  if (sizeText.length !== SIZE_FIELD_WIDTH) {
    throw new CorruptQueueFileError(`bad size "${sizeText}"`);
  }
  const size = parseNumber("size", sizeText);
  const trailerText = fields.get("trailer");
  if (
    trailerText !== undefined && trailerText.length !== SIZE_FIELD_WIDTH
  ) {
    throw new CorruptQueueFileError(`bad trailer size "${trailerText}"`);
  }
  const trailerSize = trailerText === undefined
    ? 0
    : parseNumber("trailer size", trailerText);
  if (contentOffset + size + trailerSize !== fileLength) {
    throw new CorruptQueueFileError(
      `size field says ${size} content bytes but the file holds ${
        fileLength - contentOffset - trailerSize
      }`,
    );
  }
  const body = fields.get("body");
  if (body !== undefined && body !== "7BIT" && body !== "8BITMIME") {
    throw new CorruptQueueFileError(`bad body type "${body}"`);
  }
  const ret = fields.get("ret");
  if (ret !== undefined && ret !== "FULL" && ret !== "HDRS") {
    throw new CorruptQueueFileError(`bad ret "${ret}"`);
  }
  const envid = fields.get("envid");
  const filter = fields.get("filter");
  if (filter !== undefined && !/^[a-z0-9_.-]+:/i.test(filter)) {
    throw new CorruptQueueFileError(`bad filter "${filter}"`);
  }
  return {
    id,
    arrivalTime: parseNumber("arrival time", field("arrival")),
    size,
    contentOffset,
    sender: field("sender"),
    clientName: field("client_name"),
    clientAddress: field("client_address"),
    helo: field("helo"),
    protocol: field("protocol"),
    ...(body ? { bodyType: body } : {}),
    ...(ret ? { ret } : {}),
    ...(envid !== undefined ? { envid } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(trailerText !== undefined ? { trailerSize } : {}),
    recipients,
  };
}
