/**
 * POP3 replies: their shape and their wire form.
 *
 * DESCRIPTION
 *   A reply is a status indicator (`+OK`, `-ERR`, or the SASL continuation
 *   `+`), an optional response code in brackets, a text, and for
 *   multi-line replies (CAPA, LIST, UIDL) the lines that follow, ended by
 *   a line holding a single dot. `formatReply` writes it for the wire,
 *   CRLF-terminated and with every body line that starts with a dot
 *   byte-stuffed (RFC 1939 section 3).
 *
 *   Used by the pop3d session (which builds replies) and its adapter
 *   (which writes them). Pure.
 *
 * STANDARDS
 *   RFC 1939 section 3 (responses, multi-line responses), RFC 2449 section
 *   8 (RESP-CODES: IN-USE), RFC 3206 (SYS/TEMP, SYS/PERM, AUTH), RFC 5034
 *   section 4 (the `+ ` continuation).
 *
 *   Does NOT send message content: RETR and TOP stream through
 *   `transmit.ts`.
 */

/** Response codes mailsrv sends (RFC 2449 section 8, RFC 3206). */
export type ResponseCode = "IN-USE" | "AUTH" | "SYS/TEMP" | "SYS/PERM";

/** One POP3 reply, possibly multi-line. */
export interface Pop3Reply {
  /** `+OK`, `-ERR`, or `+` (a SASL continuation, RFC 5034). */
  readonly status: "+OK" | "-ERR" | "+";
  /** Response code, written as `[CODE]` before the text, or null. */
  readonly code: ResponseCode | null;
  /** Text after the status (and code); may be empty. */
  readonly text: string;
  /** Lines of a multi-line reply (without the final dot), or null. */
  readonly lines: readonly string[] | null;
}

/** A positive single-line reply. */
export function ok(text: string): Pop3Reply {
  return { status: "+OK", code: null, text, lines: null };
}

/** A positive multi-line reply: `text`, then `lines`, then `.`. */
export function okLines(text: string, lines: readonly string[]): Pop3Reply {
  return { status: "+OK", code: null, text, lines };
}

/** A negative reply, with a response code when one applies. */
export function err(text: string, code: ResponseCode | null = null): Pop3Reply {
  return { status: "-ERR", code, text, lines: null };
}

/** The SASL continuation with an empty challenge (`+ `, RFC 5034 section 4). */
export function saslContinue(): Pop3Reply {
  return { status: "+", code: null, text: "", lines: null };
}

/** Formats `r` for the wire: CRLF line ends, body lines byte-stuffed. */
export function formatReply(r: Pop3Reply): string {
  const code = r.code === null ? "" : ` [${r.code}]`;
  const text = r.status === "+"
    ? " " + r.text
    : r.text === ""
    ? ""
    : " " + r.text;
  let wire = `${r.status}${code}${text}\r\n`;
  if (r.lines !== null) {
    for (const line of r.lines) {
      wire += (line.startsWith(".") ? "." : "") + line + "\r\n";
    }
    wire += ".\r\n";
  }
  return wire;
}

/**
 * Client text made safe to echo in a log line: control characters, DEL
 * and non-ASCII become `?`, and the text is cut at 128 characters.
 */
export function printable(text: string): string {
  const cut = text.length > 128 ? text.slice(0, 128) : text;
  return cut.replace(/[^\x20-\x7e]/g, "?");
}
