/**
 * What one alias, `.forward` or `:include:` target means (Postfix
 * local(8), "ALIAS DATABASE" and ".FORWARD FILE").
 *
 * DESCRIPTION
 *   A raw target, as written in the file, is one of:
 *
 *     |command            pipe the message to a shell command
 *     :include:/path      deliver to the targets listed in a file
 *     /path               append to a file; `/path/` (trailing slash) is
 *                         a Maildir
 *     \name               the local mailbox of `name`, with no further
 *                         alias or .forward expansion
 *     address             send on to an address; one without `@` is a
 *                         local name
 *
 *   A target wholly in double quotes is unquoted first, so `"|cmd a, b"`
 *   and `"/path with space"` work; a quoted local part in an address
 *   (`"john doe"@example.org`) stays as it is. Angle brackets around an
 *   address are removed.
 *
 *   Pure: no lookups, no privilege or permission decisions (those depend
 *   on where the target came from; see local_expansion.ts).
 */

/** The meaning of one raw target. */
export type AliasTarget =
  | { readonly kind: "command"; readonly command: string }
  | { readonly kind: "include"; readonly path: string }
  | { readonly kind: "file"; readonly path: string }
  /** `\name`: the mailbox of `name` (lower-cased), not expanded further. */
  | { readonly kind: "mailbox"; readonly user: string }
  | { readonly kind: "address"; readonly address: string }
  /** Not a usable target: a mail system configuration error. */
  | { readonly kind: "invalid"; readonly reason: string };

const INCLUDE = ":include:";

/** `text` without its surrounding quotes and backslash escapes, if quoted. */
function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) {
    return text;
  }
  const inner = text.slice(1, -1);
  // `"a"@b` would also start and end with a quote only if the domain did.
  if (/(^|[^\\])"/.test(inner)) return text;
  return inner.replace(/\\([\s\S])/g, "$1");
}

/**
 * Classifies one raw target.
 * @param raw a target as written (trimmed), quotes included
 */
export function classifyAliasTarget(raw: string): AliasTarget {
  const target = unquote(raw.trim());
  if (target.startsWith("|")) {
    const command = target.slice(1).trim();
    return command === ""
      ? { kind: "invalid", reason: `empty command in "${raw}"` }
      : { kind: "command", command };
  }
  if (target.toLowerCase().startsWith(INCLUDE)) {
    const path = target.slice(INCLUDE.length).trim();
    return path.startsWith("/")
      ? { kind: "include", path }
      : { kind: "invalid", reason: `:include: path "${path}" is not absolute` };
  }
  if (target.startsWith("/")) return { kind: "file", path: target };
  if (target.startsWith("\\")) {
    const user = target.slice(1).trim().toLowerCase();
    return user === "" || user.includes("@")
      ? { kind: "invalid", reason: `bad mailbox name in "${raw}"` }
      : { kind: "mailbox", user };
  }
  const address = /^<(.*)>$/s.exec(target)?.[1].trim() ?? target;
  return address === ""
    ? { kind: "invalid", reason: `empty address in "${raw}"` }
    : { kind: "address", address };
}
