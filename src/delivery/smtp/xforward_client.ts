/**
 * The XFORWARD command lines the SMTP client sends a content filter.
 *
 * DESCRIPTION
 *   Postfix's smtp(8) with smtp_send_xforward_command = yes: the
 *   original client's attributes, as the queue file keeps them, go to a
 *   server that offers XFORWARD, before MAIL FROM, so the filter (and the
 *   reinjection listener after it) can log and trace the real client:
 *
 *     XFORWARD NAME=mx.example.com ADDR=192.0.2.1 PROTO=ESMTP
 *     XFORWARD HELO=mx.example.com IDENT=8DsBw0lSIIgfQSJ SOURCE=REMOTE
 *
 *   Only the attributes the server offered are sent, values xtext
 *   encoded (RFC 3461 section 4), an `unknown` name or address as
 *   `[UNAVAILABLE]`, and each line kept within 512 bytes (RFC 5321
 *   section 4.5.3.1.4), as Postfix splits them.
 *
 *   Used by `client_session.ts`. Pure.
 */
import { encodeXtext } from "../../common/xtext.ts";

/** Command line limit, CRLF included (RFC 5321 section 4.5.3.1.4). */
const LINE_LIMIT = 512;

/** The attributes in the order Postfix sends them. */
const ORDER = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"];

/**
 * The XFORWARD lines for `attributes`, or none.
 * @param attributes decoded values by attribute name (upper case)
 * @param offered the attributes the server's EHLO listed
 */
export function xforwardCommands(
  attributes: Readonly<Record<string, string>> | undefined,
  offered: readonly string[] | undefined,
): string[] {
  if (attributes === undefined || offered === undefined) return [];
  const words = ORDER.flatMap((name) => {
    const value = attributes[name];
    if (value === undefined || !offered.includes(name)) return [];
    const unknown = (name === "NAME" || name === "ADDR") &&
      (value === "" || value === "unknown");
    return [`${name}=${unknown ? "[UNAVAILABLE]" : encodeXtext(value)}`];
  });
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line !== "" && line.length + 1 + word.length + 2 > LINE_LIMIT) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? `XFORWARD ${word}` : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
