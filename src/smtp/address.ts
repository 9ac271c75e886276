/**
 * RFC 5321 envelope addresses: the path in MAIL FROM and RCPT TO.
 *
 * DESCRIPTION
 *   `parsePath` reads a reverse-path or forward-path from the argument of
 *   MAIL or RCPT (after `FROM:` / `TO:`) and returns the mailbox and the
 *   text that follows it (the ESMTP parameters). `formatMailbox` writes a
 *   mailbox back in its external form, quoting the local part only when it
 *   is not a dot-string.
 *
 *   Accepted, as Postfix accepts them: a space between the colon and the
 *   path, a path without angle brackets (it then ends at the first space),
 *   an unqualified mailbox without `@domain` (smtpd appends `$myorigin`),
 *   and a source route `<@relay,@relay:user@host>`, which is parsed, then
 *   ignored apart from the `sourceRoute` flag (RFC 5321 section 4.1.1.3,
 *   appendix C) that relay control uses. The null path `<>` is accepted
 *   only when the caller allows it (MAIL FROM).
 *
 *   Domains are case-insensitive and come back lower-cased; local parts
 *   keep their case (RFC 5321 section 2.4). Quoted local parts come back
 *   unquoted (`"a b"` → `a b`), so relay control sees the `@`, `%` or `!`
 *   they may hide.
 *
 *   Used by smtpd. Pure.
 *
 * STANDARDS
 *   RFC 5321 section 4.1.2 (path grammar), 4.1.3 (address literals),
 *   4.5.3.1.1-3 (local part 64, domain 255, path 256 octets).
 *
 *   Does NOT accept SMTPUTF8 (non-ASCII) addresses, general address
 *   literals other than IPv6, or a trailing dot in a domain.
 */
import { isIpAddress } from "../policy/networks.ts";

/** A mailbox: local part and domain. */
export interface Mailbox {
  /** Local part in internal form: quotes and backslash escapes removed. */
  readonly localPart: string;
  /** Lower-cased domain or address literal (`[192.0.2.1]`); "" if unqualified. */
  readonly domain: string;
}

/** A parsed reverse-path or forward-path. */
export interface ParsedPath {
  /** The mailbox, or null for the null reverse-path `<>`. */
  readonly mailbox: Mailbox | null;
  /** True when the client gave a source route (parsed, then ignored). */
  readonly sourceRoute: boolean;
}

/** The result of `parsePath`: a path and what followed it, or why not. */
export type PathParse =
  | {
    readonly ok: true;
    readonly path: ParsedPath;
    /** The text after the path, leading spaces removed: ESMTP parameters. */
    readonly parameters: string;
  }
  | { readonly ok: false; readonly reason: string };

/** RFC 5321 section 4.5.3.1 size limits, in octets. */
export const ADDRESS_LIMITS = {
  localPart: 64,
  domain: 255,
  path: 256,
} as const;

const ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~]";
const DOT_STRING = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`);
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4_LITERAL = /^\d{1,3}(?:\.\d{1,3}){3}$/;

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({
  ok: false,
  reason,
});

/**
 * Reads the path at the start of `text` (the MAIL/RCPT argument after the
 * colon).
 * @param text path, optionally followed by a space and ESMTP parameters
 * @param options allowNull: accept `<>` (MAIL FROM only)
 */
export function parsePath(
  text: string,
  options: { readonly allowNull: boolean },
): PathParse {
  const s = text.replace(/^ +/, "");
  const bracketed = s.startsWith("<");
  const end = pathEnd(s, bracketed);
  if (end < 0) return fail('missing ">" at the end of the path');
  const inner = bracketed ? s.slice(1, end) : s.slice(0, end);
  const after = bracketed ? s.slice(end + 1) : s.slice(end);
  if (after !== "" && !after.startsWith(" ")) {
    return fail(`unexpected "${after}" after the path`);
  }
  if (inner.length + 2 > ADDRESS_LIMITS.path) {
    return fail(`path longer than ${ADDRESS_LIMITS.path} octets`);
  }
  const parameters = after.replace(/^ +/, "");
  if (inner === "") {
    if (!bracketed) return fail("empty path");
    if (!options.allowNull) return fail("null path not allowed here");
    return {
      ok: true,
      path: { mailbox: null, sourceRoute: false },
      parameters,
    };
  }
  let mailboxText = inner;
  let sourceRoute = false;
  if (inner.startsWith("@")) {
    const route = parseSourceRoute(inner);
    if (!route.ok) return route;
    mailboxText = route.value;
    sourceRoute = true;
  }
  const mailbox = parseMailbox(mailboxText);
  if (!mailbox.ok) return mailbox;
  return {
    ok: true,
    path: { mailbox: mailbox.value, sourceRoute },
    parameters,
  };
}

/**
 * Index of the `>` closing a bracketed path, or of the space (or end)
 * ending a bare one; -1 if a bracketed path is not closed. Quoted strings
 * may hold `>` and spaces.
 */
function pathEnd(s: string, bracketed: boolean): number {
  let quoted = false;
  for (let i = bracketed ? 1 : 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (bracketed ? c === ">" : c === " ") return i;
  }
  return bracketed ? -1 : s.length;
}

/** Checks `@one,@two:` and returns the mailbox text after the colon. */
function parseSourceRoute(text: string): Parsed<string> {
  const colon = text.indexOf(":");
  if (colon < 0) return fail('source route without ":"');
  for (const hop of text.slice(0, colon).split(",")) {
    if (!hop.startsWith("@") || !isDomainName(hop.slice(1))) {
      return fail(`bad source route hop "${hop}"`);
    }
  }
  return { ok: true, value: text.slice(colon + 1) };
}

/** Parses `local@domain`, `"quoted"@domain`, or an unqualified local part. */
function parseMailbox(text: string): Parsed<Mailbox> {
  const local = text.startsWith('"')
    ? parseQuotedString(text)
    : parseDotString(text);
  if (!local.ok) return local;
  const { localPart, length } = local.value;
  if (localPart === "") return fail("empty local part");
  if (length > ADDRESS_LIMITS.localPart) {
    return fail(`local part longer than ${ADDRESS_LIMITS.localPart} octets`);
  }
  if (length === text.length) {
    return { ok: true, value: { localPart, domain: "" } };
  }
  if (text[length] !== "@") {
    return fail(`unexpected "${text.slice(length)}" after the local part`);
  }
  const domain = parseDomain(text.slice(length + 1));
  if (!domain.ok) return domain;
  return { ok: true, value: { localPart, domain: domain.value } };
}

/** A dot-string local part up to the first `@` (or the end). */
function parseDotString(
  text: string,
): Parsed<{ localPart: string; length: number }> {
  const at = text.indexOf("@");
  const localPart = at < 0 ? text : text.slice(0, at);
  if (!DOT_STRING.test(localPart)) {
    return fail(`bad local part "${localPart}"`);
  }
  return { ok: true, value: { localPart, length: localPart.length } };
}

/** A quoted-string local part (RFC 5321 `Quoted-string`), unquoted. */
function parseQuotedString(
  text: string,
): Parsed<{ localPart: string; length: number }> {
  let localPart = "";
  for (let i = 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return { ok: true, value: { localPart, length: i + 1 } };
    if (code === 0x5c) {
      const next = text.charCodeAt(++i);
      if (!(next >= 0x20 && next <= 0x7e)) {
        return fail("bad quoted pair in local part");
      }
      localPart += text[i];
    } else if (code >= 0x20 && code <= 0x7e) localPart += text[i];
    else return fail("bad character in quoted local part");
  }
  return fail("unterminated quoted local part");
}

/** A domain name or address literal, lower-cased. */
function parseDomain(text: string): Parsed<string> {
  if (text.length > ADDRESS_LIMITS.domain) {
    return fail(`domain longer than ${ADDRESS_LIMITS.domain} octets`);
  }
  if (text.startsWith("[")) return parseAddressLiteral(text);
  if (!isDomainName(text)) return fail(`bad domain "${text}"`);
  return { ok: true, value: text.toLowerCase() };
}

/** RFC 5321 `Domain`: dot-separated letter-digit-hyphen labels. */
function isDomainName(text: string): boolean {
  if (text === "" || text.length > ADDRESS_LIMITS.domain) return false;
  return text.split(".").every((label) => LABEL.test(label));
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 section 4.1.3). */
function parseAddressLiteral(text: string): Parsed<string> {
  if (!text.endsWith("]")) return fail(`bad address literal "${text}"`);
  const body = text.slice(1, -1);
  if (IPV4_LITERAL.test(body) && isIpAddress(body)) {
    return { ok: true, value: `[${body}]` };
  }
  if (/^ipv6:/i.test(body)) {
    const address = body.slice(5).toLowerCase();
    // RFC 5321 IPv6-addr has no zone index: `%…` would take any text, `@` too.
    if (
      address.includes(":") && !address.includes("%") && isIpAddress(address)
    ) {
      return { ok: true, value: `[IPv6:${address}]` };
    }
  }
  return fail(`bad address literal "${text}"`);
}

/** Whether `localPart` can be written without quotes (RFC 5321 Dot-string). */
export function isDotString(localPart: string): boolean {
  return DOT_STRING.test(localPart);
}

/**
 * The external form of a mailbox: `local@domain`, the local part quoted
 * (`"a b"@example.org`) when it is not a dot-string; no angle brackets.
 */
export function formatMailbox(mailbox: Mailbox): string {
  const local = isDotString(mailbox.localPart)
    ? mailbox.localPart
    : `"${mailbox.localPart.replace(/["\\]/g, "\\$&")}"`;
  return mailbox.domain === "" ? local : `${local}@${mailbox.domain}`;
}
