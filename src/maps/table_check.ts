/**
 * Checking a table file as the daemon will read it (`mailsrv postmap`,
 * `mailsrv postalias`).
 *
 * DESCRIPTION
 *   mailsrv reads table files as text, so there is nothing to compile;
 *   what remains of postmap(1) is the check. `checkTableText` parses a
 *   file with the same parser the daemon's table uses — postmap source
 *   for `hash:` and `texthash:`, cidr_table(5) for `cidr:`, aliases(5)
 *   for an alias table — and returns every problem with its file and
 *   line (the line is skipped by the daemon, as by Postfix) and the
 *   number of entries kept.
 *
 *   `tableSyntax` says which parser a `type:` uses; types that are not
 *   files (`static:`, `inline:`, `unix:`) have none.
 *
 *   Used by the CLI. Pure.
 */
import { formatAliasProblem, parseAliasesFile } from "./aliases_file.ts";
import { parseCidrTable } from "./cidr_map.ts";
import { parsePostmapSource } from "./postmap_source.ts";

/** The file formats a table may have. */
export type TableSyntax = "postmap" | "cidr" | "aliases";

/** What a check found. */
export interface TableCheck {
  /** Entries (or cidr rules) the daemon will use. */
  readonly entries: number;
  /** One message per skipped line, naming the file and the line. */
  readonly problems: readonly string[];
}

/**
 * The syntax of a table file of `type`, or undefined for a type that
 * names no file.
 * @param aliases the file is an alias table (postalias)
 */
export function tableSyntax(
  type: string,
  aliases = false,
): TableSyntax | undefined {
  if (type === "hash" || type === "texthash") {
    return aliases ? "aliases" : "postmap";
  }
  if (type === "cidr") return "cidr";
  return undefined;
}

/** Parses `text` (the file `file`) as the daemon would and reports. */
export function checkTableText(
  syntax: TableSyntax,
  text: string,
  file: string,
): TableCheck {
  switch (syntax) {
    case "postmap": {
      const parsed = parsePostmapSource(text, file);
      return { entries: parsed.entries.size, problems: parsed.warnings };
    }
    case "cidr": {
      const parsed = parseCidrTable(text, file);
      return { entries: parsed.rules.length, problems: parsed.warnings };
    }
    case "aliases": {
      const parsed = parseAliasesFile(text, file);
      return {
        entries: parsed.entries.size,
        problems: parsed.problems.map(formatAliasProblem),
      };
    }
  }
}
