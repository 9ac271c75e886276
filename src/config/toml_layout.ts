/**
 * Where keys, values and table headers sit in a TOML document.
 *
 * DESCRIPTION
 *   The TOML library returns values without positions. Error messages need
 *   the line of a key (`mailsrv.toml:7: message_size_limt: ...`) and
 *   `mailsrv postconf -e` must replace one value in place, keeping every
 *   comment and the layout. `scanTomlLayout` walks the text once and
 *   records, for every `key = value`, the table it belongs to (with the
 *   ordinal of `[[array]]` tables), the key's line and the character span
 *   of the value; and for every table header, its name, line and offset.
 *
 *   The scanner knows TOML's lexical rules (TOML 1.0: comments, the four
 *   string forms, dotted and quoted keys, arrays and inline tables that
 *   span lines) but is meant for documents that already parsed; on broken
 *   input it stops early rather than throwing.
 *
 *   Used by the config loader and `mailsrv postconf`. Pure.
 *
 *   Does NOT produce values; `toml.ts` does.
 */

/** One `key = value` line. */
export interface LayoutEntry {
  /** Dotted name of the enclosing table; "" at top level. */
  readonly table: string;
  /** Which `[[table]]` of that name (0-based); 0 for plain tables. */
  readonly tableIndex: number;
  /** The key, dotted parts joined with ".", quotes removed. */
  readonly key: string;
  /** 1-based line of the key. */
  readonly line: number;
  /** Offset of the first character of the value. */
  readonly valueStart: number;
  /** Offset just after the value (before any comment or trailing blanks). */
  readonly valueEnd: number;
}

/** One `[table]` or `[[table]]` header. */
export interface LayoutTable {
  readonly name: string;
  /** Ordinal among headers of the same name (0-based). */
  readonly index: number;
  readonly array: boolean;
  /** 1-based line of the header. */
  readonly line: number;
  /** Offset of the header's line start. */
  readonly offset: number;
}

/** Positions in a TOML document. */
export interface TomlLayout {
  readonly entries: readonly LayoutEntry[];
  readonly tables: readonly LayoutTable[];
  /** Offsets at which each line starts (line n starts at lineStarts[n-1]). */
  readonly lineStarts: readonly number[];
}

const BARE_KEY = /[A-Za-z0-9_-]+/y;

/** Scans `text` for keys, values and table headers. */
export function scanTomlLayout(text: string): TomlLayout {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n") lineStarts.push(i + 1);
  }
  const lineAt = (offset: number) => lineOf(lineStarts, offset);
  const entries: LayoutEntry[] = [];
  const tables: LayoutTable[] = [];
  const seen = new Map<string, number>();
  let table = "";
  let tableIndex = 0;
  let at = 0;

  while (at < text.length) {
    at = skipBlank(text, at, true);
    if (at >= text.length) break;
    const lineStart = lineStarts[lineAt(at) - 1];
    if (text[at] === "[") {
      const array = text[at + 1] === "[";
      const key = readKey(text, at + (array ? 2 : 1));
      if (key === undefined) break;
      const index = seen.get(key.name) ?? 0;
      seen.set(key.name, index + 1);
      tables.push({
        name: key.name,
        index,
        array,
        line: lineAt(at),
        offset: lineStart,
      });
      table = key.name;
      tableIndex = index;
      at = skipToLineEnd(text, key.end);
      continue;
    }
    const key = readKey(text, at);
    if (key === undefined) break;
    let valueStart = skipBlank(text, key.end, false);
    if (text[valueStart] !== "=") break;
    valueStart = skipBlank(text, valueStart + 1, false);
    const valueEnd = skipValue(text, valueStart);
    entries.push({
      table,
      tableIndex,
      key: key.name,
      line: lineAt(at),
      valueStart,
      valueEnd,
    });
    at = skipToLineEnd(text, valueEnd);
  }
  return { entries, tables, lineStarts };
}

/** 1-based line of `offset`. */
export function lineOf(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/** Where a key sits: a top-level key, or one inside the Nth `[[table]]`. */
export interface KeyPlace {
  readonly key: string;
  /** The array table, e.g. `{ name: "listener", index: 1 }`; none: top. */
  readonly table?: { readonly name: string; readonly index: number };
}

function keyMatches(written: string, key: string): boolean {
  return written === key || written.startsWith(`${key}.`);
}

/**
 * The line of a key: its `key = value` line, else (for a key that is a
 * table) its header line, else for a key in a table, the table's header.
 */
export function keyLine(
  layout: TomlLayout,
  place: KeyPlace,
): number | undefined {
  const { key, table } = place;
  if (table === undefined) {
    const entry = layout.entries.find((e) =>
      e.table === "" && keyMatches(e.key, key)
    );
    if (entry !== undefined) return entry.line;
    return layout.tables.find((t) => keyMatches(t.name, key))?.line;
  }
  const entry = layout.entries.find((e) =>
    e.table === table.name && e.tableIndex === table.index &&
    keyMatches(e.key, key)
  );
  if (entry !== undefined) return entry.line;
  const header = layout.tables.find((t) =>
    t.name === table.name && t.index === table.index
  );
  if (header !== undefined) return header.line;
  // Written as an inline array (`listener = [{ ... }]`): its key's line.
  return keyLine(layout, { key: table.name });
}

/** Skips spaces and tabs, and newlines and comments when `lines`. */
function skipBlank(text: string, at: number, lines: boolean): number {
  while (at < text.length) {
    const ch = text[at];
    if (ch === " " || ch === "\t") at++;
    else if (lines && (ch === "\n" || ch === "\r")) at++;
    else if (lines && ch === "#") at = skipComment(text, at);
    else break;
  }
  return at;
}

function skipComment(text: string, at: number): number {
  const end = text.indexOf("\n", at);
  return end === -1 ? text.length : end;
}

/** Skips blanks and a comment up to and including the line's end. */
function skipToLineEnd(text: string, at: number): number {
  at = skipBlank(text, at, false);
  if (text[at] === "#") at = skipComment(text, at);
  return text[at] === "\r" ? at + 2 : at + 1;
}

/** Reads a possibly dotted key; its name and the offset after it. */
function readKey(
  text: string,
  at: number,
): { name: string; end: number } | undefined {
  const parts: string[] = [];
  for (;;) {
    at = skipBlank(text, at, false);
    const ch = text[at];
    if (ch === '"' || ch === "'") {
      const end = skipString(text, at);
      parts.push(unquoteKey(text.slice(at, end)));
      at = end;
    } else {
      BARE_KEY.lastIndex = at;
      const bare = BARE_KEY.exec(text);
      if (bare === null) return undefined;
      parts.push(bare[0]);
      at += bare[0].length;
    }
    at = skipBlank(text, at, false);
    if (text[at] !== ".") break;
    at++;
  }
  if (text[at] === "]") at += text[at + 1] === "]" ? 2 : 1;
  return { name: parts.join("."), end: at };
}

/** A quoted key's text; escapes in basic strings are kept as written. */
function unquoteKey(quoted: string): string {
  return quoted.slice(1, -1);
}

/** Offset just after the string starting at `at` (any of the four forms). */
function skipString(text: string, at: number): number {
  const quote = text[at];
  const multi = text.startsWith(quote.repeat(3), at);
  const escapes = quote === '"';
  let i = at + (multi ? 3 : 1);
  while (i < text.length) {
    const ch = text[i];
    if (escapes && ch === "\\") {
      i += 2;
    } else if (multi && text.startsWith(quote.repeat(3), i)) {
      i += 3;
      // Up to two quotes may end the content right before the delimiter.
      let extra = 0;
      while (extra < 2 && text[i] === quote) {
        i++;
        extra++;
      }
      return i;
    } else if (!multi && ch === quote) {
      return i + 1;
    } else if (!multi && ch === "\n") {
      return i;
    } else {
      i++;
    }
  }
  return text.length;
}

/** Offset just after the value starting at `at`. */
function skipValue(text: string, at: number): number {
  const ch = text[at];
  if (ch === '"' || ch === "'") return skipString(text, at);
  if (ch === "[" || ch === "{") return skipBrackets(text, at);
  let end = at;
  while (end < text.length && !"\r\n#".includes(text[end])) end++;
  while (end > at && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return end;
}

/** Skips an array or inline table, nested, across lines. */
function skipBrackets(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (ch === "#") {
      i = skipComment(text, i);
      continue;
    }
    if (ch === "[" || ch === "{") depth++;
    if ((ch === "]" || ch === "}") && --depth === 0) return i + 1;
    i++;
  }
  return text.length;
}
