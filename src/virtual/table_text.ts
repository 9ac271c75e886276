/**
 * Line edits of postmap(1) source text: the domains file and the mailbox map.
 *
 * DESCRIPTION
 *   The text behind `hash:` and `texthash:` tables, read as
 *   `maps/postmap_source.ts` reads it: `#` comment lines and blank lines,
 *   `key value` lines, and continuation lines that start with whitespace.
 *   Edits touch only the entries they name: comments, blank lines, other
 *   entries and their spelling stay byte for byte, and new entries go at
 *   the end.
 *
 *   Keys compare in lower case, as lookups fold them.
 *
 *   Pure: text in, text out. Does NOT check names (see `virtual_names.ts`).
 */

/** One entry of the text: its key and the physical lines it spans. */
interface TableEntry {
  readonly key: string;
  /** Index of its first physical line. */
  readonly first: number;
  /** Index after its last physical line (continuations included). */
  readonly end: number;
}

function isIgnored(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed === "" || trimmed.startsWith("#");
}

function entriesOf(lines: readonly string[]): TableEntry[] {
  const entries: TableEntry[] = [];
  let open: { key: string; first: number; end: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (isIgnored(line)) continue;
    if (/^\s/.test(line)) {
      if (open) open.end = index + 1;
      continue;
    }
    if (open) entries.push(open);
    open = {
      key: line.split(/\s/, 1)[0].toLowerCase(),
      first: index,
      end: index + 1,
    };
  }
  if (open) entries.push(open);
  return entries;
}

/** The keys of the table, lower-cased, in file order. */
export function tableKeys(text: string): string[] {
  return entriesOf(text.split("\n")).map((entry) => entry.key);
}

/** The value of `key` (continuations joined), or undefined. */
export function tableValue(text: string, key: string): string | undefined {
  const lines = text.split("\n");
  const wanted = key.toLowerCase();
  const entry = entriesOf(lines).find((e) => e.key === wanted);
  if (!entry) return undefined;
  const joined = lines.slice(entry.first, entry.end).join("");
  return joined.replace(/^\S+/, "").trim();
}

/** `text` with `line` appended as its last line (a newline is kept at the end). */
export function appendLine(text: string, line: string): string {
  const separator = text === "" || text.endsWith("\n") ? "" : "\n";
  return `${text}${separator}${line}\n`;
}

/** `text` without the entries whose key `drop` selects; null if none. */
export function removeEntries(
  text: string,
  drop: (key: string) => boolean,
): string | null {
  const lines = text.split("\n");
  const dropped = entriesOf(lines).filter((entry) => drop(entry.key));
  if (dropped.length === 0) return null;
  const gone = new Set<number>();
  for (const entry of dropped) {
    for (let i = entry.first; i < entry.end; i++) gone.add(i);
  }
  return lines.filter((_, index) => !gone.has(index)).join("\n");
}
