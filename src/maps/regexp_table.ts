/**
 * `regexp:` and `pcre:` tables: keys matched against patterns, first match.
 *
 * DESCRIPTION
 *   The format of Postfix's regexp_table(5) (and pcre_table(5), read the
 *   same way):
 *
 *     # comment
 *     /^Subject: .*viagra/        REJECT no spam, please
 *     !/^From: .*@example\.com/   WARN not from example.com
 *     /^X-Mailer: (.*)$/          PREPEND X-Was-Mailer: $1
 *     if /^Subject:/
 *     /free/                      HOLD
 *     endif
 *     /^(.*)\n\s+(.*)$/           WARN folded: ${1} / $2
 *         continued               leading whitespace continues a line
 *
 *   A pattern sits between two delimiters: `/`, or any other character
 *   that is not a letter, digit, whitespace or backslash (`|^Subject:|`);
 *   a backslash before the delimiter keeps it in the pattern. Flags
 *   follow the closing delimiter (`regexp_pattern.ts`). `!` before a
 *   pattern matches the keys the pattern does not match. `if /p/` …
 *   `endif` (nested, `if !/p/` too) applies the lines between only to
 *   keys that match `p`. The value after the pattern is returned with
 *   `$1`…`$9` (also `${1}` and `$(1)`) replaced by what the pattern's
 *   groups matched (nothing for a group that did not take part) and
 *   `$$` by `$`.
 *
 *   A bad line is skipped with a warning naming the file and line, as
 *   Postfix does: a pattern that does not compile or may take exponential
 *   time, a missing value, `$n` beyond the pattern's groups or after `!`,
 *   an `endif` without `if`. A bad `if` line is different from Postfix on
 *   purpose: its whole block is skipped (never applies) rather than
 *   applying the lines inside to every key. An `if` without `endif` is
 *   closed at the end of the file, with a warning.
 *
 *   Used by `regexp_map.ts` (the LookupTable), `mailsrv check`, and
 *   through them the content checks (header_checks, body_checks). Pure.
 */
import { compilePattern, type PatternDialect } from "./regexp_pattern.ts";

/** One line of a table that returns a value. */
export interface RegexpRule {
  readonly kind: "rule";
  readonly regexp: RegExp;
  readonly negated: boolean;
  /** The value, with its `$n` references unresolved. */
  readonly value: string;
  readonly line: number;
}

/** An `if` … `endif` block. */
export interface RegexpBlock {
  readonly kind: "block";
  /** null: the `if` line was bad; the block never applies. */
  readonly regexp: RegExp | null;
  readonly negated: boolean;
  readonly entries: readonly RegexpEntry[];
  readonly line: number;
}

/** A rule or a block, in file order. */
export type RegexpEntry = RegexpRule | RegexpBlock;

/** A parsed table and the warnings about skipped lines. */
export interface ParsedRegexpTable {
  readonly entries: readonly RegexpEntry[];
  readonly warnings: readonly string[];
}

/** A logical line: continuation lines joined, with its first line number. */
interface TableLine {
  text: string;
  readonly number: number;
}

/** Joins continuation lines; drops comments and empty lines. */
function logicalLines(text: string): TableLine[] {
  const lines: TableLine[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (/^\s/.test(line) && lines.length > 0) {
      lines[lines.length - 1].text += " " + trimmed;
      return;
    }
    lines.push({ text: trimmed, number: index + 1 });
  });
  return lines;
}

/** What a pattern at the start of `text` is, and what follows it. */
type PatternParse =
  | {
    readonly ok: true;
    readonly negated: boolean;
    readonly regexp: RegExp;
    readonly rest: string;
  }
  | { readonly ok: false; readonly reason: string };

/** Reads `[!]<d>pattern<d>flags` from the start of `text`. */
function readPattern(text: string, dialect: PatternDialect): PatternParse {
  let at = 0;
  let negated = false;
  while (text[at] === "!") {
    negated = !negated;
    at++;
  }
  const delimiter = text[at];
  if (delimiter === undefined || /[\sA-Za-z0-9\\]/.test(delimiter)) {
    return {
      ok: false,
      reason: 'expected a pattern between delimiters, such as "/pattern/"',
    };
  }
  let end = at + 1;
  let source = "";
  for (; end < text.length && text[end] !== delimiter; end++) {
    if (text[end] === "\\" && end + 1 < text.length) {
      // An escaped character, the delimiter too, goes to the regular
      // expression with its backslash (as Postfix hands it to regcomp).
      source += text[end] + text[end + 1];
      end++;
      continue;
    }
    source += text[end];
  }
  if (end >= text.length) {
    return { ok: false, reason: `missing closing delimiter "${delimiter}"` };
  }
  const after = text.slice(end + 1);
  const flags = /^\S*/.exec(after)![0];
  const compiled = compilePattern(source, flags, dialect);
  if (!compiled.ok) return { ok: false, reason: compiled.reason };
  return {
    ok: true,
    negated,
    regexp: compiled.regexp,
    rest: after.slice(flags.length).trim(),
  };
}

/** The highest `$n` a value refers to (0 for none). */
function highestReference(value: string): number {
  let highest = 0;
  for (const m of value.matchAll(/\$(?:\$|([1-9])|\{([1-9])\}|\(([1-9])\))/g)) {
    const n = Number(m[1] ?? m[2] ?? m[3] ?? 0);
    if (n > highest) highest = n;
  }
  return highest;
}

/** How many capturing groups `regexp` has. */
function groupCount(regexp: RegExp): number {
  return new RegExp(`(?:${regexp.source})|`).exec("")!.length - 1;
}

/**
 * Parses regexp_table(5) text; `file` names it in warnings.
 * @param dialect `regexp` or `pcre` (which pattern syntax and flags)
 */
export function parseRegexpTable(
  text: string,
  file: string,
  dialect: PatternDialect = "regexp",
): ParsedRegexpTable {
  const warnings: string[] = [];
  const warn = (line: number, message: string) =>
    warnings.push(`"${file}", line ${line}: ${message}`);
  const root: RegexpEntry[] = [];
  /** Open blocks, innermost last, with the entries they collect. */
  const open: Array<{
    readonly regexp: RegExp | null;
    readonly negated: boolean;
    readonly entries: RegexpEntry[];
    readonly line: number;
  }> = [];
  const current = () => open.at(-1)?.entries ?? root;
  const close = () => {
    const block = open.pop()!;
    current().push({ kind: "block", ...block });
  };

  for (const line of logicalLines(text)) {
    if (/^endif$/i.test(line.text)) {
      if (open.length === 0) {
        warn(line.number, 'ignoring "endif" without a matching "if"');
      } else close();
      continue;
    }
    const ifLine = /^if(\s+|(?=!))(.*)$/is.exec(line.text);
    if (ifLine !== null && /^[!\W]/.test(ifLine[2])) {
      const pattern = readPattern(ifLine[2], dialect);
      if (!pattern.ok) {
        warn(line.number, `${pattern.reason}; the "if" block is skipped`);
        open.push({
          regexp: null,
          negated: false,
          entries: [],
          line: line.number,
        });
        continue;
      }
      if (pattern.rest !== "") {
        warn(
          line.number,
          `ignoring text after "if" pattern: "${pattern.rest}"`,
        );
      }
      open.push({
        regexp: pattern.regexp,
        negated: pattern.negated,
        entries: [],
        line: line.number,
      });
      continue;
    }
    const pattern = readPattern(line.text, dialect);
    if (!pattern.ok) {
      warn(line.number, `${pattern.reason}; line skipped`);
      continue;
    }
    if (pattern.rest === "") {
      warn(line.number, "no value after the pattern; line skipped");
      continue;
    }
    const highest = highestReference(pattern.rest);
    if (highest > 0 && pattern.negated) {
      warn(
        line.number,
        `"$${highest}" in the value of a negated pattern; line skipped`,
      );
      continue;
    }
    if (highest > groupCount(pattern.regexp)) {
      warn(
        line.number,
        `"$${highest}" refers to a group the pattern does not have; ` +
          "line skipped",
      );
      continue;
    }
    current().push({
      kind: "rule",
      regexp: pattern.regexp,
      negated: pattern.negated,
      value: pattern.rest,
      line: line.number,
    });
  }
  while (open.length > 0) {
    warn(open.at(-1)!.line, 'missing "endif" for this "if"; closed at the end');
    close();
  }
  return { entries: root, warnings };
}

/** Replaces `$n`, `${n}`, `$(n)` and `$$` in `value` from `match`. */
export function substitute(
  value: string,
  match: RegExpExecArray | null,
): string {
  return value.replace(
    /\$(?:(\$)|([1-9])|\{([1-9])\}|\(([1-9])\))/g,
    (_whole, dollar, a, b, c) =>
      dollar ? "$" : match?.[Number(a ?? b ?? c)] ?? "",
  );
}

/** Whether `regexp` matches `key`, with the match (null when negated). */
function test(
  regexp: RegExp,
  negated: boolean,
  key: string,
): { hit: boolean; match: RegExpExecArray | null } {
  const match = regexp.exec(key);
  return negated ? { hit: match === null, match: null } : {
    hit: match !== null,
    match,
  };
}

/** The value of the first rule that matches `key`, `$n` filled in. */
export function regexpLookup(
  entries: readonly RegexpEntry[],
  key: string,
): string | undefined {
  for (const entry of entries) {
    if (entry.kind === "block") {
      if (entry.regexp === null) continue;
      if (!test(entry.regexp, entry.negated, key).hit) continue;
      const found = regexpLookup(entry.entries, key);
      if (found !== undefined) return found;
      continue;
    }
    const { hit, match } = test(entry.regexp, entry.negated, key);
    if (hit) return substitute(entry.value, match);
  }
  return undefined;
}
