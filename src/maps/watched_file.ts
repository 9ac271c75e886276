/**
 * A parsed file that follows changes on disk.
 *
 * DESCRIPTION
 *   Tables backed by files (`hash:`, `texthash:`, `unix:passwd.byname`) are
 *   re-read when the file changes, so an administrator edits a table and is
 *   done: no postmap, no reload. At most once per check interval (default
 *   one second, on the injected clock) a lookup stats the file; when its
 *   modification time, size or inode differ from the loaded version, the
 *   file is read and parsed again. Lookups that arrive during a read share
 *   it.
 *
 *   The file is stat-ed before it is read, so a change that races the read
 *   is seen at the next check rather than lost.
 *
 *   A file that cannot be read rejects with `LookupTableError` (a
 *   temporary failure); it is tried again at the next lookup. With
 *   `whenMissing`, a file that does not exist serves that value instead
 *   (an empty table) until it appears. Either way the first failure is
 *   logged once as `warning: TABLE is unavailable. open FILE: REASON`
 *   (`table_availability.ts`).
 */
import { maillog } from "../log/maillog.ts";
import {
  type LookupTable,
  LookupTableError,
  type MapOptions,
} from "./lookup_table.ts";
import {
  reasonOf,
  reportAvailable,
  reportUnavailable,
} from "./table_availability.ts";

/** The current parsed contents of a file. */
export interface WatchedFile<T> {
  /** Resolves to the contents, re-reading the file if it changed. */
  current(): Promise<T>;
}

/** Options for `watchFile`. */
export interface WatchOptions<T = unknown> {
  /** The table's `type:name`, for errors. */
  readonly spec: string;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Milliseconds between checks of the file (default 1000). */
  readonly interval?: number;
  /**
   * What a file that does not exist serves (an empty table); without it,
   * a missing file is a temporary failure like any unreadable file.
   */
  readonly whenMissing?: () => T;
  /** Log a missing file served `whenMissing` (default true). */
  readonly warnWhenMissing?: boolean;
  /** Where "is unavailable" warnings go (default: maillog "maps"). */
  readonly log?: MapOptions["log"];
}

function signature(info: Deno.FileInfo): string {
  return `${info.mtime?.getTime()}:${info.size}:${info.ino}`;
}

/** The signature of a file that does not exist (served `whenMissing`). */
const MISSING = "missing";

/**
 * Watches `path`, parsing it with `parse` whenever it changes.
 * @param path the file
 * @param parse turns the file's text into the value served
 */
export function watchFile<T>(
  path: string,
  parse: (text: string) => T,
  options: WatchOptions<T>,
): WatchedFile<T> {
  const interval = options.interval ?? 1000;
  let loaded: { value: T; signature: string } | undefined;
  let checkedAt = 0;
  let pending: Promise<T> | undefined;

  async function refresh(): Promise<T> {
    checkedAt = options.clock();
    try {
      const info = await Deno.stat(path);
      if (loaded && loaded.signature === signature(info)) return loaded.value;
      const value = parse(await Deno.readTextFile(path));
      loaded = { value, signature: signature(info) };
      reportAvailable(path);
      return value;
    } catch (error) {
      const log = options.log ?? maillog("maps");
      if (options.whenMissing && error instanceof Deno.errors.NotFound) {
        if (loaded?.signature !== MISSING) {
          loaded = { value: options.whenMissing(), signature: MISSING };
        }
        if (options.warnWhenMissing ?? true) {
          reportUnavailable(
            options.spec,
            path,
            error,
            "; treated as an empty table",
            log,
          );
        }
        return loaded.value;
      }
      loaded = undefined;
      reportUnavailable(options.spec, path, error, "", log);
      throw new LookupTableError(options.spec, reasonOf(error));
    }
  }

  return {
    current(): Promise<T> {
      const elapsed = options.clock() - checkedAt;
      // A clock that went backwards counts as "time to check".
      if (loaded && elapsed >= 0 && elapsed < interval) {
        return Promise.resolve(loaded.value);
      }
      pending ??= refresh().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** What a table file's parser returns: entries by lower-case key, and warnings. */
export interface ParsedTable {
  readonly entries: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/**
 * A lookup table over a text file that is parsed by `parse` and re-read
 * when it changes; parse warnings are logged each time the file loads.
 * Keys are case-insensitive.
 * @param spec the full `type:name`, for messages
 */
export function openWatchedTable(
  spec: string,
  path: string,
  parse: (text: string, path: string) => ParsedTable,
  options: MapOptions = {},
): LookupTable {
  const log = options.log ?? maillog("maps");
  const file = watchFile(path, (text) => {
    const parsed = parse(text, path);
    for (const warning of parsed.warnings) log.warning(warning);
    return parsed.entries;
  }, { spec, clock: options.clock ?? Date.now, log });
  return {
    spec,
    async lookup(key: string): Promise<string | undefined> {
      return (await file.current()).get(key.toLowerCase());
    },
  };
}
