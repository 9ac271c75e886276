/**
 * The local part of a recipient address, as local delivery sees it.
 *
 * DESCRIPTION
 *   Shared by the local and virtual delivery agents, smtpd's recipient
 *   checks and the POP3 login, so all agree on who a recipient is:
 *
 *   - the local part is what precedes the last `@` (the whole address when
 *     there is none); a quoted local part (RFC 5321 section 4.1.2) is
 *     unquoted;
 *   - an address extension (`user+ext` with recipient_delimiter `+`) is
 *     split off following Postfix's split_addr: never for `postmaster` or
 *     `mailer-daemon`, never for `owner-…` or `…-request` when `-` is a
 *     delimiter, never when the user part would be empty;
 *   - a local part names a file or directory under a mailbox base, so it
 *     must not be able to leave it: empty names, names starting with `.`,
 *     and names holding `/`, `..`, NUL or other control characters are
 *     unsafe and are refused (RFC 3463 X.1.3).
 *
 *   Pure functions; no lookups.
 */

/**
 * The local part of `address`, unquoted.
 * @param address an envelope address without angle brackets
 */
export function localPartOf(address: string): string {
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) {
    return local.slice(1, -1).replace(/\\([\s\S])/g, "$1");
  }
  return local;
}

/**
 * The domain of `address`: lower-cased, without a trailing dot; "" when
 * the address has none.
 */
export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).toLowerCase().replace(/\.$/, "");
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** True when `localPart` cannot escape a mailbox directory as a file name. */
export function isSafeLocalPart(localPart: string): boolean {
  return localPart !== "" && !localPart.startsWith(".") &&
    !localPart.includes("/") && !localPart.includes("..") &&
    !CONTROL.test(localPart);
}

/** A local part split into the user and the address extension. */
export interface SplitLocalPart {
  readonly user: string;
  /** The text after the delimiter, if the local part had an extension. */
  readonly extension?: string;
}

/**
 * Splits the address extension off `localPart`.
 * @param delimiters recipient_delimiter: each character is a delimiter
 */
export function splitExtension(
  localPart: string,
  delimiters: string,
): SplitLocalPart {
  const lower = localPart.toLowerCase();
  if (
    delimiters === "" || lower === "postmaster" || lower === "mailer-daemon"
  ) {
    return { user: localPart };
  }
  if (
    delimiters.includes("-") &&
    (lower.startsWith("owner-") || lower.endsWith("-request"))
  ) {
    return { user: localPart };
  }
  let at = -1;
  for (let i = 0; i < localPart.length && at < 0; i++) {
    if (delimiters.includes(localPart[i])) at = i;
  }
  if (at <= 0) return { user: localPart };
  return { user: localPart.slice(0, at), extension: localPart.slice(at + 1) };
}
