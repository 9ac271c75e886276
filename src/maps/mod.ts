/**
 * Lookup tables (`type:name`), as Postfix's dict layer.
 *
 * DESCRIPTION
 *   The public face of src/maps: open a table with `openMap` (or share
 *   tables through a `MapCache`) and call `lookup`. See `open_map.ts` for
 *   the supported types and `lookup_table.ts` for the interface.
 */
export {
  type LookupTable,
  LookupTableError,
  type MapOptions,
} from "./lookup_table.ts";
export { MAP_TYPES, openMap } from "./open_map.ts";
export { createMapCache, type MapCache } from "./map_cache.ts";
export { parsePasswdLine, type PasswdEntry } from "./passwd_file.ts";
export { SYSTEM_PASSWD_FILE } from "./unix_map.ts";
