/**
 * An envelope address split into its local part and domain.
 *
 * DESCRIPTION
 *   Envelope addresses are kept in their external form (RFC 5321 section
 *   4.1.2, no angle brackets): `user@domain`, `"a b"@domain`, or an
 *   unqualified `user`. The local part ends at the last `@` outside a
 *   quoted string, so `"a@b"` alone is an unqualified local part and
 *   `"a@b"@example.org` a local part holding `@`.
 *
 *   Used by the address resolver. Pure; folds nothing (rewrite_address.ts
 *   does).
 */

/** The parts of an envelope address. */
export interface EnvelopeAddressParts {
  /** The local part as written (quoted if it was). */
  readonly localText: string;
  /** The local part, quotes and backslash escapes removed. */
  readonly localPart: string;
  /** The domain as written; undefined when the address is unqualified. */
  readonly domain?: string;
}

/** The index of the quote closing the quoted string at 0, or -1. */
function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** `text` without its quotes and backslash escapes, if it is quoted. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\([\s\S])/g, "$1");
  }
  return text;
}

/**
 * Splits `address` (external form, no angle brackets) into its parts.
 * An empty domain (`user@`) counts as none.
 */
export function splitEnvelopeAddress(address: string): EnvelopeAddressParts {
  let at = address.lastIndexOf("@");
  if (address.startsWith('"')) {
    const close = closingQuote(address);
    if (close === address.length - 1) at = -1;
    else if (close > 0 && address[close + 1] === "@") at = close + 1;
  }
  const localText = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? "" : address.slice(at + 1);
  return {
    localText,
    localPart: unquote(localText),
    ...(domain === "" ? {} : { domain }),
  };
}
