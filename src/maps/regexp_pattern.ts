/**
 * One pattern of a `regexp:` or `pcre:` table, as a JavaScript RegExp.
 *
 * DESCRIPTION
 *   `compilePattern(source, flags, dialect)` turns the text between a
 *   table line's delimiters and the flags after them into a RegExp, or
 *   says why it cannot (the table then skips the line with a warning).
 *
 *   Flags, as regexp_table(5) and pcre_table(5) define them:
 *
 *     i   toggles case-insensitive matching (on by default)
 *     m   regexp: toggles REG_NEWLINE ("." stops at a newline, "^" and
 *         "$" match at every line); pcre: PCRE_MULTILINE ("^" and "$"
 *         at every line)
 *     s   pcre only: PCRE_DOTALL ("." matches a newline)
 *     x   regexp: toggles extended syntax (on by default; basic regular
 *         expressions are not supported); pcre: PCRE_EXTENDED
 *         (whitespace outside a bracket class and `#` comments are
 *         dropped, so a long pattern can span continuation lines)
 *
 *   Case-insensitive matching is done by folding ASCII letters into the
 *   pattern (`a` → `[aA]`) rather than with the `i` flag, which V8's
 *   linear-time fallback engine does not take (see SECURITY); a pattern
 *   with non-ASCII characters keeps the flag.
 *
 *   POSIX regular expressions (regexp:) are translated where JavaScript
 *   differs: without `m`, "." matches a newline (JavaScript's `s` flag),
 *   as in regcomp(3) without REG_NEWLINE; bracket classes such as
 *   `[[:space:]]` and `[[:alpha:]]` become their ranges; GNU's word
 *   boundaries `\<` and `\>` become `\b`.
 *
 *   Differences that remain (documented in the README):
 *   - POSIX picks the leftmost-longest match, JavaScript the leftmost
 *     first alternative: `/(a|ab)(c|bcd)/` captures differently, which
 *     shows in `$1`…`$9`; whether a line matches does not change.
 *   - JavaScript escapes (`\d`, `\s`, `\w`, lookahead, lazy `*?`) are
 *     accepted in both dialects; PCRE-only syntax (possessive `*+`,
 *     atomic groups `(?>…)`, `\A`, `\Z`, inline `(?i)`) is refused with a
 *     warning rather than read differently.
 *
 * SECURITY
 *   A pattern whose worst case takes exponential time (nested
 *   quantifiers: star height above one, as `(a+)+` or `(\s*\w+)*`) is
 *   refused at load, by the npm `safe-regex2` check; smtpd matches every
 *   header and body line of every message, so one such line in
 *   header_checks would let any client stall it. Refusing at load, with
 *   the file and line, tells the administrator at once, where a time
 *   limit would only show up as slow mail. The matching itself is bounded
 *   too: V8 runs with --enable-experimental-regexp-engine-on-excessive-
 *   backtracks (`common/self_command.ts`), which moves a match that
 *   backtracks too much to a linear-time engine (for patterns without
 *   backreferences, lookaround or a non-ASCII case-insensitive text), so
 *   a polynomial pattern such as `.*a.*a.*a.*b` stays fast; the inputs are
 *   bounded (header_size_limit, and body lines by the 1000-octet SMTP
 *   line limit).
 *
 *   Pure; used by the regexp table parser (`regexp_table.ts`).
 */
import safeRegex from "safe-regex2";

/** Which table type a pattern comes from. */
export type PatternDialect = "regexp" | "pcre";

/** A compiled pattern, or why there is none. */
export type CompiledPattern =
  | { readonly ok: true; readonly regexp: RegExp }
  | { readonly ok: false; readonly reason: string };

/** POSIX bracket classes and their JavaScript ranges. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: "a-zA-Z",
  digit: "0-9",
  alnum: "a-zA-Z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  cntrl: "\\x00-\\x1f\\x7f",
  print: "\\x20-\\x7e",
  graph: "\\x21-\\x7e",
  word: "a-zA-Z0-9_",
};

/** PCRE syntax JavaScript would read differently or not at all. */
const PCRE_ONLY: ReadonlyArray<readonly [RegExp, string]> = [
  [/\(\?>/, "atomic groups (?>...)"],
  [/\(\?[a-zA-Z-]+\)/, "inline option settings such as (?i)"],
  [/(?<!\\)[*+?}]\+/, "possessive quantifiers such as *+"],
  [/(?<!\\)\\[AZzGQE]/, "the escapes \\A, \\Z, \\z, \\G, \\Q and \\E"],
];

/** Most quantifiers one pattern may have (safe-regex2's count). */
const QUANTIFIER_LIMIT = 200;

/**
 * Compiles the pattern text `source` with table `flags`.
 * @param dialect `regexp` (POSIX extended) or `pcre`
 */
export function compilePattern(
  source: string,
  flags: string,
  dialect: PatternDialect,
): CompiledPattern {
  let caseless = true;
  let multiline = false;
  let dotAll = dialect === "regexp";
  let extended = false;
  for (const flag of flags) {
    if (flag === "i") caseless = !caseless;
    else if (flag === "m" && dialect === "regexp") {
      multiline = !multiline;
      dotAll = !dotAll;
    } else if (flag === "m") multiline = true;
    else if (flag === "s" && dialect === "pcre") dotAll = true;
    else if (flag === "x" && dialect === "pcre") extended = true;
    else if (flag === "x") {
      return {
        ok: false,
        reason: dialect === "regexp"
          ? 'flag "x" (basic regular expressions) is not supported'
          : 'flag "x" (PCRE_EXTENDED) is not supported',
      };
    } else return { ok: false, reason: `unknown flag "${flag}"` };
  }
  if (dialect === "pcre") {
    for (const [syntax, name] of PCRE_ONLY) {
      if (syntax.test(source)) {
        return { ok: false, reason: `${name} are not supported` };
      }
    }
  }
  const translated = dialect === "regexp"
    ? fromPosix(source)
    : extended
    ? withoutLayout(source)
    : source;
  // V8's linear-time fallback does not take the "i" flag: ASCII letters
  // are folded in the pattern instead (non-ASCII patterns keep the flag).
  const folded = caseless && !/[^\p{ASCII}]/u.test(translated);
  let regexp: RegExp;
  try {
    regexp = new RegExp(
      folded ? foldCase(translated) : translated,
      (caseless && !folded ? "i" : "") + (multiline ? "m" : "") +
        (dotAll ? "s" : ""),
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      reason: message.replace(/^Invalid regular expression: /, ""),
    };
  }
  if (!safeRegex(regexp, { limit: QUANTIFIER_LIMIT })) {
    return {
      ok: false,
      reason: "pattern may take exponential time (nested quantifiers " +
        "such as (a+)+); rewrite it without a repeated group that " +
        "itself repeats",
    };
  }
  return { ok: true, regexp };
}

/**
 * The pattern matching both cases of every ASCII letter without the "i"
 * flag: `a` becomes `[aA]`, `[a-c]` becomes `[a-cA-C]`; escapes (`\w`,
 * `\x41`), group syntax (`(?:`, `(?<name>`) and `\k<name>` are kept.
 */
export function foldCase(source: string): string {
  let out = "";
  let inClass = false;
  const swap = (c: string) =>
    c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  const letter = (c: string | undefined) =>
    c !== undefined && /[A-Za-z]/.test(c);
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      const width = next === "x"
        ? 3
        : next === "u"
        ? 5
        : next === "c"
        ? 2
        : next === "k" && source[i + 2] === "<"
        ? source.indexOf(">", i) - i
        : 1;
      out += source.slice(i, i + 1 + Math.max(width, 1));
      i += Math.max(width, 1);
    } else if (!inClass && c === "(" && source[i + 1] === "?") {
      const named = source[i + 2] === "<" && !/[=!]/.test(source[i + 3] ?? "");
      const end = named ? source.indexOf(">", i) : i + 2;
      out += source.slice(i, end + 1);
      i = end;
    } else if (!inClass && c === "[") {
      inClass = true;
      out += c;
      if (source[i + 1] === "^") out += source[++i];
      if (source[i + 1] === "]") out += source[++i];
    } else if (inClass && c === "]") {
      inClass = false;
      out += c;
    } else if (
      inClass && source[i + 1] === "-" && source[i + 2] !== "]" &&
      i + 2 < source.length && source[i + 2] !== "\\"
    ) {
      const high = source[i + 2];
      out += c + "-" + high;
      i += 2;
      for (const [from, to] of [["a", "z"], ["A", "Z"]]) {
        const lo = c > from ? c : from;
        const hi = high < to ? high : to;
        if (lo <= hi) out += swap(lo) + "-" + swap(hi);
      }
    } else if (inClass && letter(c)) {
      out += c + swap(c);
    } else if (letter(c)) {
      out += `[${c}${swap(c)}]`;
    } else out += c;
  }
  return out;
}

/** PCRE_EXTENDED: unescaped whitespace and `#` comments dropped. */
function withoutLayout(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\" && i + 1 < source.length) {
      out += c + source[++i];
    } else if (inClass) {
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
    } else if (c === "#") {
      const end = source.indexOf("\n", i);
      if (end < 0) break;
      i = end;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** POSIX bracket classes and GNU word boundaries, in JavaScript terms. */
function fromPosix(source: string): string {
  return source
    .replace(
      /\[:([a-z]+):\]/g,
      (whole, name: string) => POSIX_CLASSES[name] ?? whole,
    )
    .replace(/(?<!\\)((?:\\\\)*)\\[<>]/g, "$1\\b");
}
