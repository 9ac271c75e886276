/**
 * SMTP replies as the client reads them (RFC 5321 §4.2), and what an
 * EHLO reply offers.
 *
 * DESCRIPTION
 *   `ReplyAssembler` takes reply lines one at a time and gives a whole
 *   reply once its last line (`250 …`, after any `250-…`) arrives. A line
 *   that is not `DDD`, `DDD-…` or `DDD …`, or a continuation with another
 *   code, is a protocol error: the caller drops the session, as Postfix's
 *   smtp_chat does with "malformed reply". Replies are limited to
 *   `MAX_REPLY_LINES` lines so a server cannot make the client hold an
 *   unbounded reply.
 *
 *   `enhancedCode` reads an RFC 3463 code at the start of the text, and
 *   `ehloOffers` reads the extensions of an EHLO reply.
 *
 *   Pure. Used by the SMTP delivery agent.
 */

/** One complete reply. */
export interface SmtpReply {
  readonly code: number;
  /** The text of each line, without the code and separator. */
  readonly lines: readonly string[];
}

/** A reply line that breaks the protocol. */
export class MalformedReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedReplyError";
  }
}

/** More lines than any real server sends in one reply. */
export const MAX_REPLY_LINES = 100;

const LINE = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/s;

/** Joins reply lines into replies. */
export class ReplyAssembler {
  #code = 0;
  #lines: string[] = [];

  /**
   * Adds one line (without CRLF).
   * @returns the reply when `line` was its last line
   * @throws MalformedReplyError for a line that is not a reply line
   */
  push(line: string): SmtpReply | undefined {
    const match = LINE.exec(line);
    if (!match) {
      throw new MalformedReplyError(
        `malformed reply: "${line.slice(0, 100)}"`,
      );
    }
    const code = Number(match[1]);
    if (this.#lines.length > 0 && code !== this.#code) {
      throw new MalformedReplyError(
        `reply code changed within a reply: ${this.#code} then ${code}`,
      );
    }
    if (this.#lines.length >= MAX_REPLY_LINES) {
      throw new MalformedReplyError("reply has too many lines");
    }
    this.#code = code;
    this.#lines.push(match[3] ?? "");
    if (match[2] === "-") return undefined;
    const reply = { code, lines: this.#lines };
    this.#lines = [];
    return reply;
  }
}

/** The RFC 3463 code at the start of a reply's text, if any. */
export function enhancedCode(reply: SmtpReply): string | undefined {
  const match = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/.exec(reply.lines[0]);
  if (!match || Number(match[1]) !== Math.floor(reply.code / 100)) {
    return undefined;
  }
  return `${match[1]}.${match[2]}.${match[3]}`;
}

/** The reply as one line of text, for logs and bounces: `550 5.1.1 No such user`. */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(" ")}`.trimEnd();
}

/** What a server offers in its EHLO reply. */
export interface EhloOffers {
  readonly pipelining: boolean;
  /** The SIZE limit, 0 for "no fixed limit", undefined when not offered. */
  readonly size?: number;
  readonly eightBitMime: boolean;
  readonly dsn: boolean;
  readonly startTls: boolean;
  readonly smtpUtf8: boolean;
  readonly enhancedStatusCodes: boolean;
  /** SASL mechanisms, upper case. */
  readonly auth: readonly string[];
  /** XFORWARD attributes the server takes (upper case); absent: none. */
  readonly xforward?: readonly string[];
}

/** Reads the extension lines of an EHLO reply (all but the greeting line). */
export function ehloOffers(reply: SmtpReply): EhloOffers {
  const words = new Map<string, string[]>();
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...params] = line.trim().split(/[ =]+/);
    if (keyword) words.set(keyword.toUpperCase(), params);
  }
  const sizeParam = words.get("SIZE")?.[0];
  const size = !words.has("SIZE")
    ? undefined
    : sizeParam !== undefined && /^\d+$/.test(sizeParam)
    ? Number(sizeParam)
    : 0;
  return {
    pipelining: words.has("PIPELINING"),
    size,
    eightBitMime: words.has("8BITMIME"),
    dsn: words.has("DSN"),
    startTls: words.has("STARTTLS"),
    smtpUtf8: words.has("SMTPUTF8"),
    enhancedStatusCodes: words.has("ENHANCEDSTATUSCODES"),
    auth: (words.get("AUTH") ?? []).map((m) => m.toUpperCase()),
    ...(words.has("XFORWARD")
      ? { xforward: words.get("XFORWARD")!.map((a) => a.toUpperCase()) }
      : {}),
  };
}
