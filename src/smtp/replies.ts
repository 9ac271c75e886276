/**
 * SMTP replies: their shape and their wire form.
 *
 * DESCRIPTION
 *   A reply is a three-digit code, an RFC 3463 enhanced status code and
 *   one or more text lines. `formatReply` writes it as RFC 5321 section
 *   4.2 wants: every line but the last as `250-…`, the last as `250 …`,
 *   each ending in CRLF, the enhanced code in front of the text of every
 *   line (RFC 2034 section 4).
 *
 *   Used by the smtpd session (which builds replies) and its adapter
 *   (which writes them). Pure.
 *
 * STANDARDS
 *   RFC 5321 section 4.2 (reply syntax), RFC 2034 (ENHANCEDSTATUSCODES),
 *   RFC 3463 (the codes).
 *
 *   RFC 2034 section 3 exempts the greeting, the replies to HELO/EHLO and
 *   the 354 go-ahead (RFC 3463 has no class 3) from carrying an enhanced
 *   code; those replies have `enhanced: null`, as in Postfix.
 *
 *   Does NOT sanitize text: callers quote client input through
 *   `printable` before putting it into a reply.
 */

/** One SMTP reply, possibly multi-line. */
export interface Reply {
  /** Three-digit reply code (RFC 5321 section 4.2.1). */
  readonly code: number;
  /** RFC 3463 enhanced status code (`2.1.0`), or null where RFC 2034 exempts it. */
  readonly enhanced: string | null;
  /** Text lines, without code or CRLF; at least one. */
  readonly lines: readonly string[];
}

/**
 * Builds a reply.
 * @param code three-digit reply code
 * @param enhanced enhanced status code, or null (greeting, EHLO, 354)
 * @param lines text lines, at least one
 */
export function reply(
  code: number,
  enhanced: string | null,
  ...lines: string[]
): Reply {
  return { code, enhanced, lines: lines.length > 0 ? lines : [""] };
}

/** Formats `r` for the wire: CRLF-terminated lines, `-` on all but the last. */
export function formatReply(r: Reply): string {
  const prefix = r.enhanced === null ? "" : `${r.enhanced} `;
  const last = r.lines.length - 1;
  let text = "";
  for (let i = 0; i <= last; i++) {
    text += `${r.code}${i === last ? " " : "-"}${prefix}${r.lines[i]}\r\n`;
  }
  return text;
}

/** Whether `r` is a positive reply (2xx or 3xx). */
export function isPositive(r: Reply): boolean {
  return r.code < 400;
}

/** The reply line as one string, for maillog lines: `554 5.7.1 text`. */
export function replyLogText(r: Reply): string {
  const prefix = r.enhanced === null ? "" : `${r.enhanced} `;
  return `${r.code} ${prefix}${r.lines.join(" ")}`;
}

/**
 * Client text made safe to echo in a reply or a log line: control
 * characters, DEL and non-ASCII become `?`, and the text is cut at 256
 * characters, so a client can neither end a reply early nor flood a log.
 */
export function printable(text: string): string {
  const cut = text.length > 256 ? text.slice(0, 256) : text;
  return cut.replace(/[^\x20-\x7e]/g, "?");
}
