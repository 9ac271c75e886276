/**
 * `static:` tables: the same value for every key.
 *
 * DESCRIPTION
 *   `static:OK` answers `OK` whatever is asked, as in Postfix. The value
 *   may be wrapped in braces to hold whitespace: `static:{ text with
 *   spaces }` answers `text with spaces`.
 */
import type { LookupTable } from "./lookup_table.ts";

/**
 * Opens a `static:` table.
 * @param spec the full `static:value`, for messages
 * @param value the text after `static:`
 */
export function openStaticMap(spec: string, value: string): LookupTable {
  const braced = /^\{([\s\S]*)\}$/.exec(value.trim());
  const answer = braced ? braced[1].trim() : value;
  return {
    spec,
    lookup: () => Promise.resolve(answer),
  };
}
