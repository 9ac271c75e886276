/**
 * xtext, the encoding of DSN parameter values (ENVID, ORCPT).
 *
 * DESCRIPTION
 *   `decodeXtext` reads an xtext value as a client sends it in MAIL FROM
 *   `ENVID=` or RCPT TO `ORCPT=`: every character from `!` to `~` stands
 *   for itself except `+` and `=`; `+HH` (two hexadecimal digits) stands
 *   for the octet HH. `encodeXtext` writes a value back that way for the
 *   next hop: `+`, `=`, space, control characters and anything outside
 *   printable US-ASCII become `+HH` (upper-case hex), so the result is
 *   one token of an SMTP command line. `orcptParameter` writes an ORCPT
 *   value (`rfc822;bob+2Btag@example.org`) that way.
 *
 *   Used by smtpd (parameter checks) and the SMTP client (passing DSN
 *   parameters on). Pure.
 *
 * STANDARDS
 *   RFC 3461 section 4 (xtext).
 *
 *   Does NOT implement RFC 6533's utf-8-addr-xtext (`\x{HEX}`), which
 *   only SMTPUTF8 sessions use.
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Whether `code` may stand for itself in xtext (RFC 3461 `xchar`). */
function isXchar(code: number): boolean {
  return code >= 0x21 && code <= 0x7e && code !== 0x2b && code !== 0x3d;
}

/**
 * Decodes an xtext value; undefined when it is not xtext (a raw `=`,
 * space, control or non-ASCII character, or a `+` without two hex digits).
 * The result holds one character per octet (`+C3+A9` gives two
 * characters, as the octets are meant to be read as US-ASCII).
 * Lower-case hex digits are accepted, as many clients send them.
 */
export function decodeXtext(text: string): string | undefined {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2b) {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (isXchar(code)) out += text[i];
    else return undefined;
  }
  return out;
}

/**
 * Encodes `value` as xtext. Characters beyond U+00FF are written as
 * their UTF-8 octets.
 */
export function encodeXtext(value: string): string {
  let out = "";
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (isXchar(code)) {
      out += c;
      continue;
    }
    const octets = code <= 0xff ? [code] : new TextEncoder().encode(c);
    for (const octet of octets) {
      out += "+" + octet.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  return out;
}

/** The value of an ORCPT= parameter: `type;` and the address as xtext. */
export function orcptParameter(
  orcpt: { readonly type: string; readonly address: string },
): string {
  return `${orcpt.type};${encodeXtext(orcpt.address)}`;
}

/** Whether every character of `text` is printable US-ASCII (space to `~`). */
export function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}
