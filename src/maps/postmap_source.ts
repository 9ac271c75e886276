/**
 * Parser for Postfix postmap(1) source files.
 *
 * DESCRIPTION
 *   The text behind `hash:` and `texthash:` tables, read as is (there is no
 *   postmap step and no `.db` file). The format, as Postfix reads it:
 *
 *     # comment              whole-line comments and blank lines are ignored
 *     key  value             key up to the first whitespace, value the rest
 *     key  long value
 *          continued         a line starting with whitespace continues the
 *                            previous logical line (the newline is dropped)
 *
 *   Keys are folded to lower case (lookups fold the query the same way).
 *   Values keep their inner whitespace; leading and trailing whitespace is
 *   removed.
 *
 *   Bad lines never fail the whole table: as postmap does, each is skipped
 *   with a warning that names the file, the line and the key. A duplicate
 *   key keeps its first value, also with a warning.
 *
 *   This module is pure: it sees text, not files.
 */

/** The entries of a parsed table and the warnings about skipped lines. */
export interface ParsedTable {
  /** Lower-cased key → value. */
  readonly entries: Map<string, string>;
  /** One message per skipped line, e.g. `"/etc/x", line 3: …`. */
  readonly warnings: string[];
}

/** A logical line: physical lines joined, with the line numbers it spans. */
interface LogicalLine {
  text: string;
  first: number;
  last: number;
}

const WHITESPACE = /\s/;

function isIgnored(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed === "" || trimmed.startsWith("#");
}

function where(file: string, line: LogicalLine): string {
  const lines = line.first === line.last
    ? `line ${line.first}`
    : `lines ${line.first}-${line.last}`;
  return `"${file}", ${lines}`;
}

/**
 * Joins physical lines into logical lines, reporting continuation lines
 * that have nothing to continue.
 */
function logicalLines(
  text: string,
  file: string,
  warnings: string[],
): LogicalLine[] {
  const result: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  const physical = text.split("\n");
  for (let index = 0; index < physical.length; index++) {
    const line = physical[index];
    const number = index + 1;
    if (isIgnored(line)) continue;
    if (WHITESPACE.test(line[0])) {
      if (current) {
        current.text += line;
        current.last = number;
      } else {
        warnings.push(
          `"${file}", line ${number}: logical line must not start with whitespace: "${
            line.trim().slice(0, 30)
          }"`,
        );
      }
      continue;
    }
    if (current) result.push(current);
    current = { text: line, first: number, last: number };
  }
  if (current) result.push(current);
  return result;
}

/**
 * Parses postmap source text.
 * @param text the whole file
 * @param file its path, for warnings
 */
export function parsePostmapSource(text: string, file: string): ParsedTable {
  const warnings: string[] = [];
  const entries = new Map<string, string>();
  for (const line of logicalLines(text, file, warnings)) {
    const match = /^(\S+)\s*([\s\S]*)$/.exec(line.text);
    if (!match) continue;
    const key = match[1].toLowerCase();
    const value = match[2].trim();
    if (value === "") {
      warnings.push(
        `${
          where(file, line)
        }: expected format "key whitespace value": no value for key "${key}"`,
      );
    } else if (entries.has(key)) {
      warnings.push(
        `${where(file, line)}: duplicate entry "${key}" ignored`,
      );
    } else {
      entries.set(key, value);
    }
  }
  return { entries, warnings };
}
