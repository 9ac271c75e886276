/**
 * Open tables shared by name.
 *
 * DESCRIPTION
 *   A role opens each table once and keeps it, so a file-backed table is
 *   parsed once and then only re-checked (Postfix's dict_open cache does the
 *   same). A cache belongs to the thing that owns it (the delivery router,
 *   smtpd's recipient check) and lives as long as it; there is no global
 *   cache. Specs that disappear from the configuration simply stay unused.
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { openMap } from "./open_map.ts";

/** Tables by `type:name`, opened on first use. */
export interface MapCache {
  /**
   * Returns the table for `spec`, opening it on first use.
   * @throws Error naming the spec when it is invalid
   */
  open(spec: string): LookupTable;
}

/**
 * Creates an empty cache; every table it opens gets `options`.
 */
export function createMapCache(options: MapOptions = {}): MapCache {
  const tables = new Map<string, LookupTable>();
  return {
    open(spec: string): LookupTable {
      let table = tables.get(spec);
      if (!table) {
        table = openMap(spec, options);
        tables.set(spec, table);
      }
      return table;
    },
  };
}
