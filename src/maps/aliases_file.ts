/**
 * Parser for aliases(5) files.
 *
 * DESCRIPTION
 *   The text behind the `hash:` and `texthash:` tables of alias_maps, read
 *   as is (there is no newaliases compile step). The format, as Postfix's
 *   postalias(1) reads it:
 *
 *     # comment                 whole-line comments and blank lines are ignored
 *     name: value, value, …     the name is folded to lower case
 *     name: value,
 *         value                 a line starting with whitespace continues
 *                               the previous logical line
 *     "a b": "|cmd a, b"        quotes protect whitespace, ":" and ","
 *
 *   Values are returned raw, quotes and all: what a value means (command,
 *   file, `:include:`, address) is `delivery/local/alias_target.ts`'s business.
 *   A duplicate name keeps its last entry, with a warning, as postalias
 *   does. A bad entry (no colon, empty name, no value, unterminated quote)
 *   is skipped and reported as `{ file, line, message }`; the rest of the
 *   file is still used.
 *
 *   The same value syntax serves `:include:` files and `.forward` files
 *   (`parseTargetList`): one or more comma-separated targets per line.
 *
 *   This module is pure: it sees text, not files.
 */

/** One problem found in an aliases file; its entry was skipped. */
export interface AliasProblem {
  readonly file: string;
  /** 1-based number of the entry's first line. */
  readonly line: number;
  readonly message: string;
}

/** A parsed aliases file. */
export interface ParsedAliases {
  /** Lower-cased name → raw values, in file order. */
  readonly entries: Map<string, string[]>;
  readonly problems: AliasProblem[];
}

/** A logical line: physical lines joined, with its first line number. */
interface LogicalLine {
  text: string;
  line: number;
}

function isIgnored(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed === "" || trimmed.startsWith("#");
}

/** Joins continuation lines; an orphan continuation is a problem. */
function logicalLines(
  text: string,
  file: string,
  problems: AliasProblem[],
): LogicalLine[] {
  const result: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  const physical = text.split("\n");
  for (let index = 0; index < physical.length; index++) {
    const line = physical[index].replace(/\r$/, "");
    if (isIgnored(line)) continue;
    if (/^\s/.test(line)) {
      if (current) current.text += "\n" + line;
      else {
        problems.push({
          file,
          line: index + 1,
          message: "continuation line without a preceding entry",
        });
      }
      continue;
    }
    if (current) result.push(current);
    current = { text: line, line: index + 1 };
  }
  if (current) result.push(current);
  return result;
}

/**
 * The index just past the quoted string that starts at `start` (a `"`),
 * or -1 when the quote is not closed. A backslash escapes one character.
 */
function endOfQuoted(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === "\\") index++;
    else if (text[index] === '"') return index + 1;
  }
  return -1;
}

/**
 * Splits an alias value into its targets at commas outside quotes;
 * surrounding whitespace is removed, empty elements are dropped.
 * @returns the raw targets, or an error message (unterminated quote)
 */
export function splitAliasValues(
  text: string,
): { values: string[] } | { error: string } {
  const values: string[] = [];
  let start = 0;
  let index = 0;
  while (index <= text.length) {
    if (index === text.length || text[index] === ",") {
      const value = text.slice(start, index).trim();
      if (value !== "") values.push(value);
      start = ++index;
    } else if (text[index] === '"') {
      const end = endOfQuoted(text, index);
      if (end < 0) return { error: "unterminated quoted string" };
      index = end;
    } else {
      index++;
    }
  }
  return { values };
}

/** Splits `name: values` into the unquoted, lower-cased name and the rest. */
function splitEntry(
  text: string,
): { name: string; rest: string } | { error: string } {
  let colon: number;
  let name: string;
  if (text.startsWith('"')) {
    const end = endOfQuoted(text, 0);
    if (end < 0) return { error: "unterminated quoted name" };
    name = text.slice(1, end - 1).replace(/\\([\s\S])/g, "$1");
    colon = text.length - text.slice(end).trimStart().length;
    if (text[colon] !== ":") {
      return { error: `missing ":" after name "${name}"` };
    }
  } else {
    colon = text.indexOf(":");
    if (colon < 0) {
      return {
        error: `missing ":" in "${text.trim().slice(0, 30)}"`,
      };
    }
    name = text.slice(0, colon).trim();
    if (/\s/.test(name)) {
      return { error: `whitespace in name "${name}" (quote it)` };
    }
  }
  if (name === "") return { error: "empty alias name" };
  return { name: name.toLowerCase(), rest: text.slice(colon + 1) };
}

/**
 * Parses aliases(5) text.
 * @param text the whole file
 * @param file its path, for problems
 */
export function parseAliasesFile(text: string, file: string): ParsedAliases {
  const problems: AliasProblem[] = [];
  const entries = new Map<string, string[]>();
  for (const { text: entry, line } of logicalLines(text, file, problems)) {
    const split = splitEntry(entry);
    if ("error" in split) {
      problems.push({ file, line, message: split.error });
      continue;
    }
    const values = splitAliasValues(split.rest);
    if ("error" in values) {
      problems.push({
        file,
        line,
        message: `${values.error} in alias "${split.name}"`,
      });
    } else if (values.values.length === 0) {
      problems.push({
        file,
        line,
        message: `no value for alias "${split.name}"`,
      });
    } else {
      if (entries.has(split.name)) {
        problems.push({
          file,
          line,
          message: `duplicate alias "${split.name}": the last entry wins`,
        });
        // Re-inserted, so iteration order follows the winning entry.
        entries.delete(split.name);
      }
      entries.set(split.name, values.values);
    }
  }
  return { entries, problems };
}

/**
 * The targets of an `:include:` or `.forward` file: one or more
 * comma-separated targets per line; blank lines and `#` comment lines are
 * ignored.
 * @returns the raw targets, and a message for each bad line (skipped)
 */
export function parseTargetList(
  text: string,
): { targets: string[]; problems: { line: number; message: string }[] } {
  const targets: string[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, "");
    if (isIgnored(line)) continue;
    const split = splitAliasValues(line);
    if ("error" in split) {
      problems.push({ line: index + 1, message: split.error });
    } else {
      targets.push(...split.values);
    }
  }
  return { targets, problems };
}

/** A problem as newaliases and the maillog print it: `FILE:LINE: message`. */
export function formatAliasProblem(problem: AliasProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}
