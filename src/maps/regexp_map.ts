/**
 * Opens a `regexp:` or `pcre:` table file as a lookup table.
 *
 * DESCRIPTION
 *   The file (regexp_table(5), see `regexp_table.ts`) is read at the
 *   first lookup and again when it changes; each skipped line is logged
 *   once per read as a warning naming the file and line. `lookup(key)`
 *   returns the value of the first rule matching the key, with `$n`
 *   filled in; the key is matched as it is (the patterns decide about
 *   case).
 *
 *   `pcre:` is read by the same parser with PCRE's flags; JavaScript's
 *   RegExp runs both (the differences are in `regexp_pattern.ts`).
 *
 *   Used through `openMap` by smtpd's content checks (header_checks,
 *   body_checks) and by any parameter that takes a table. Needs read
 *   permission on the file.
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { maillog } from "../log/maillog.ts";
import { watchFile } from "./watched_file.ts";
import { parseRegexpTable, regexpLookup } from "./regexp_table.ts";
import type { PatternDialect } from "./regexp_pattern.ts";

/**
 * Opens a regexp or pcre table file. Nothing is read until the first
 * lookup.
 * @param spec the full `regexp:path`, for messages
 */
export function openRegexpMap(
  spec: string,
  path: string,
  dialect: PatternDialect,
  options: MapOptions = {},
): LookupTable {
  const log = options.log ?? maillog("maps");
  const file = watchFile(path, (text) => {
    const parsed = parseRegexpTable(text, path, dialect);
    for (const warning of parsed.warnings) log.warning(warning);
    return parsed.entries;
  }, { spec, clock: options.clock ?? Date.now, log });
  return {
    spec,
    async lookup(key: string): Promise<string | undefined> {
      return regexpLookup(await file.current(), key);
    },
  };
}
