/**
 * `hash:` and `texthash:` tables: postmap source files read directly.
 *
 * DESCRIPTION
 *   Postfix compiles `hash:/etc/postfix/access` from the text file with
 *   postmap(1); mailsrv reads the text file itself, so the `.db` step and
 *   its "forgot to run postmap" failures disappear. Both type names mean
 *   the same here; `hash:` is kept so Postfix configurations carry over.
 *
 *   The file is parsed by `postmap_source.ts` and re-read when it changes
 *   (`watched_file.ts`). Skipped lines are logged as warnings each time the
 *   file is loaded. Keys are case-insensitive.
 *
 *   Lookups are exact: partial keys (`@domain`, parent domains, address
 *   extensions) are the caller's business, as in Postfix's access(5).
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { parsePostmapSource } from "./postmap_source.ts";
import { openWatchedTable } from "./watched_file.ts";

/**
 * Opens a postmap source file as a table. Nothing is read until the first
 * lookup.
 * @param spec the full `type:path`, for messages
 * @param path the file
 */
export function openTextMap(
  spec: string,
  path: string,
  options: MapOptions = {},
): LookupTable {
  return openWatchedTable(spec, path, parsePostmapSource, options);
}
