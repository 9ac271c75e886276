/**
 * The addresses in an RFC 5322 address list (To:, Cc:, Bcc:, and
 * sendmail's recipient arguments).
 *
 * DESCRIPTION
 *   `addressesIn` reads an address list the lenient way Postfix's tok822
 *   does, so that what mail programs write is understood:
 *
 *     bob                               -> bob
 *     Bob Smith <bob@example.com>       -> bob@example.com
 *     "Doe, Jane" <jane@example.org>    -> jane@example.org
 *     bob@example.com (Bob)             -> bob@example.com
 *     team: a@example.com, b@x.org;     -> a@example.com, b@x.org
 *     undisclosed-recipients:;          -> (none)
 *     <@relay:bob@example.com>          -> bob@example.com
 *
 *   Comments are dropped, display names and group names too; a quoted
 *   local part keeps its quotes (`"a b"@x`), as an envelope address
 *   writes it. Sendmail parses each recipient argument the same way, so
 *   `sendmail "Bob <bob@x>, carol"` has two recipients.
 *
 *   Pure. Used by sendmail's local submission.
 *
 * STANDARDS
 *   RFC 5322 sections 3.2.2 (comments), 3.2.4 (quoted strings), 3.4
 *   (address lists and groups).
 *
 *   Does NOT decode encoded words (names are dropped anyway) or check
 *   that an address is valid (the caller does, as an envelope address).
 */

/** The addresses found, or why the list cannot be read. */
export type AddressListResult =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly reason: string };

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "special"; readonly text: string };

const SPECIALS = "<>@,;:.[]";

/** Splits the text into words and specials, dropping comments. */
function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(") {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "(") depth++;
        else if (text[i] === ")" && --depth === 0) break;
      }
      if (depth !== 0) return 'unbalanced "("';
      i++;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\") j++;
      }
      if (j >= text.length) return 'unbalanced """';
      tokens.push({ kind: "word", text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (c === "[") {
      const j = text.indexOf("]", i);
      if (j < 0) return 'unbalanced "["';
      tokens.push({ kind: "word", text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (SPECIALS.includes(c)) {
      tokens.push({ kind: "special", text: c });
      i++;
    } else {
      let j = i;
      while (
        j < text.length && !SPECIALS.includes(text[j]) &&
        !' \t\r\n"('.includes(text[j])
      ) j++;
      tokens.push({ kind: "word", text: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const joined = (tokens: readonly Token[]) => tokens.map((t) => t.text).join("");

/** The address of one list member (its tokens), or undefined if none. */
function memberAddress(tokens: readonly Token[]): string | undefined | Error {
  const open = tokens.findIndex((t) => t.kind === "special" && t.text === "<");
  if (open < 0) {
    return tokens.length === 0 ? undefined : joined(tokens);
  }
  const close = tokens.findIndex((t, at) =>
    at > open && t.kind === "special" && t.text === ">"
  );
  if (close < 0) return new Error('unbalanced "<"');
  let inner = tokens.slice(open + 1, close);
  // A source route <@a,@b:user@host> is dropped, as RFC 5321 allows.
  if (inner[0]?.text === "@") {
    const colon = inner.findIndex((t) => t.text === ":");
    if (colon >= 0) inner = inner.slice(colon + 1);
  }
  return inner.length === 0 ? undefined : joined(inner);
}

/** Reads the addresses of an address list (see the module comment). */
export function addressesIn(text: string): AddressListResult {
  const tokens = tokenize(text);
  if (typeof tokens === "string") return { ok: false, reason: tokens };
  const addresses: string[] = [];
  let member: Token[] = [];
  let inAngle = false;
  const finish = (): string | undefined => {
    const address = memberAddress(member);
    member = [];
    if (address instanceof Error) return address.message;
    if (address !== undefined) addresses.push(address);
    return undefined;
  };
  for (const token of tokens) {
    if (token.kind === "special" && token.text === "<") inAngle = true;
    if (token.kind === "special" && token.text === ">") inAngle = false;
    if (!inAngle && token.kind === "special") {
      if (token.text === "," || token.text === ";") {
        const problem = finish();
        if (problem) return { ok: false, reason: problem };
        continue;
      }
      if (token.text === ":") {
        // A group's display name ends here; its members follow.
        member = [];
        continue;
      }
    }
    member.push(token);
  }
  if (inAngle) return { ok: false, reason: 'unbalanced "<"' };
  const problem = finish();
  if (problem) return { ok: false, reason: problem };
  return { ok: true, addresses };
}
