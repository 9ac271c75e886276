/**
 * Alias tables: the lookup side of alias_maps (Postfix local(8) "ALIAS
 * DATABASE").
 *
 * DESCRIPTION
 *   An alias table answers which raw targets, if any, an alias name
 *   expands to. The table types:
 *
 *     hash:/path, texthash:/path   an aliases(5) file (not postmap syntax),
 *                                  read directly and re-read when it changes
 *                                  (watched_file.ts)
 *     inline:{…}, static:…         any other lookup table; its value is
 *                                  split at commas outside quotes
 *
 *   Names are case-insensitive. The table also tells who owns it, because
 *   commands and files named in an alias run with the privileges of the
 *   alias file's owner (local.ts turns root into default_privs). Tables
 *   written in the configuration itself count as owned by root.
 *
 *   Problems in a file are logged as warnings each time it loads; the bad
 *   entries are skipped. A file that cannot be read rejects with
 *   `LookupTableError`: local delivery defers and smtpd answers 451, as
 *   Postfix's local(8) defers with "alias database unavailable".
 *
 *   A MISSING FILE is such a failure too — an alias file the administrator
 *   named holds postmaster, root and list aliases, and skipping it would
 *   send their mail to the wrong place or bounce it — with one exception:
 *   `/etc/aliases`, the file the default alias_maps names. Postfix's
 *   package installs that file; mailsrv installs nothing, and a host whose
 *   first mail system is mailsrv has none, so there a missing file means
 *   "no aliases yet" and is an empty table. Both cases are logged once
 *   (`table_availability.ts`) and reported by `mailsrv check`.
 */
import { maillog } from "../log/maillog.ts";
import {
  type LookupTable,
  LookupTableError,
  type MapOptions,
} from "./lookup_table.ts";
import { openMap } from "./open_map.ts";
import {
  formatAliasProblem,
  parseAliasesFile,
  splitAliasValues,
} from "./aliases_file.ts";
import { watchFile } from "./watched_file.ts";

/** The uid and gid that own an alias table. */
export interface AliasTableOwner {
  readonly uid: number;
  readonly gid: number;
}

/** One open alias table. */
export interface AliasTable {
  /** The `type:name` string the table was opened with. */
  readonly spec: string;
  /**
   * The raw targets of alias `name` (case-insensitive).
   * @returns the targets, or undefined when there is no such alias
   * @throws LookupTableError when the table cannot be consulted
   */
  lookup(name: string): Promise<string[] | undefined>;
  /**
   * Who owns the table: the file's owner, or root (0) for tables written
   * in the configuration and for a missing file.
   * @throws LookupTableError when the file cannot be examined
   */
  owner(): Promise<AliasTableOwner>;
}

/**
 * The system aliases file, named by the default alias_maps: when it does
 * not exist it is an empty table (see above).
 */
export const SYSTEM_ALIASES_FILE = "/etc/aliases";

/** Whether a missing alias file at `path` is an empty table. */
export function missingAliasFileIsEmpty(path: string): boolean {
  return path === SYSTEM_ALIASES_FILE;
}

/** Options for alias tables. */
export interface AliasTableOptions {
  /** Milliseconds since the epoch; decides when files are checked again. */
  readonly clock?: () => number;
  /** Where problems in alias files go (default: maillog "local"). */
  readonly log?: MapOptions["log"];
  /**
   * Whether a missing file at this path is an empty table (default: only
   * `SYSTEM_ALIASES_FILE`); otherwise it is a temporary failure.
   */
  readonly missingIsEmpty?: (path: string) => boolean;
}

const ROOT: AliasTableOwner = { uid: 0, gid: 0 };

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

/** An aliases(5) file as a table. */
function openAliasFile(
  spec: string,
  path: string,
  options: AliasTableOptions,
): AliasTable {
  const log = options.log ?? maillog("local");
  const file = watchFile(path, (text) => {
    const parsed = parseAliasesFile(text, path);
    for (const problem of parsed.problems) {
      log.warning(formatAliasProblem(problem));
    }
    return parsed.entries;
  }, {
    spec,
    clock: options.clock ?? Date.now,
    log,
    whenMissing: (options.missingIsEmpty ?? missingAliasFileIsEmpty)(path)
      ? () => new Map<string, string[]>()
      : undefined,
  });
  return {
    spec,
    async lookup(name) {
      return (await file.current()).get(name.toLowerCase());
    },
    async owner() {
      try {
        const info = await Deno.stat(path);
        return { uid: info.uid ?? 0, gid: info.gid ?? 0 };
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return ROOT;
        throw new LookupTableError(spec, reasonOf(error));
      }
    },
  };
}

/** Any other lookup table, its values split into targets. */
function openAliasMap(table: LookupTable): AliasTable {
  return {
    spec: table.spec,
    async lookup(name) {
      const value = await table.lookup(name.toLowerCase());
      if (value === undefined) return undefined;
      const split = splitAliasValues(value);
      if ("error" in split) {
        throw new LookupTableError(
          table.spec,
          `${split.error} in alias "${name.toLowerCase()}"`,
        );
      }
      return split.values.length ? split.values : undefined;
    },
    owner: () => Promise.resolve(ROOT),
  };
}

/**
 * Opens the alias table named by `spec`. Nothing is read until the first
 * lookup.
 * @param spec `type:name`, e.g. `hash:/etc/aliases`
 * @throws Error naming the spec when the type is unknown or the name invalid
 */
export function openAliasTable(
  spec: string,
  options: AliasTableOptions = {},
): AliasTable {
  const match = /^(hash|texthash):(.+)$/s.exec(spec);
  if (match) return openAliasFile(spec, match[2], options);
  return openAliasMap(openMap(spec, { clock: options.clock }));
}

/** Open alias tables by spec, opened on first use and kept. */
export interface AliasTableCache {
  /**
   * The table for `spec`, opened on first use.
   * @throws Error naming the spec when it is invalid
   */
  open(spec: string): AliasTable;
}

/** Creates an empty cache; every table it opens gets `options`. */
export function createAliasTableCache(
  options: AliasTableOptions = {},
): AliasTableCache {
  const tables = new Map<string, AliasTable>();
  return {
    open(spec) {
      let table = tables.get(spec);
      if (!table) {
        table = openAliasTable(spec, options);
        tables.set(spec, table);
      }
      return table;
    },
  };
}
