/**
 * Opens a lookup table from its `type:name` string.
 *
 * DESCRIPTION
 *   The one place that knows which table types exist:
 *
 *     hash:/path, texthash:/path   postmap source text, re-read on change
 *     static:value                 the same value for every key
 *     unix:passwd.byname           the system password file
 *     inline:{ k=v, … }            pairs written in the configuration
 *     cidr:/path                   networks, first match (cidr_table(5))
 *     regexp:/path, pcre:/path     patterns, first match (regexp_table(5))
 *
 *   Opening is cheap and does no I/O; files are read at the first lookup.
 *   An unknown type or a malformed spec throws at once, naming the spec, so
 *   configuration checks can call `openMap` to validate table names.
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { openCidrMap } from "./cidr_map.ts";
import { openInlineMap } from "./inline_map.ts";
import { openRegexpMap } from "./regexp_map.ts";
import { openStaticMap } from "./static_map.ts";
import { openTextMap } from "./text_map.ts";
import { openUnixMap } from "./unix_map.ts";

/** The table types `openMap` understands. */
export const MAP_TYPES = [
  "hash",
  "texthash",
  "static",
  "unix",
  "inline",
  "cidr",
  "regexp",
  "pcre",
] as const;

/**
 * Opens the table named by `spec`.
 * @param spec `type:name`, e.g. `hash:/etc/mailsrv/access`
 * @throws Error naming the spec when the type is unknown or the name invalid
 */
export function openMap(spec: string, options: MapOptions = {}): LookupTable {
  const colon = spec.indexOf(":");
  if (colon <= 0) {
    throw new Error(`bad lookup table "${spec}": expected "type:name"`);
  }
  const type = spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  if (name === "") {
    throw new Error(
      `bad lookup table "${spec}": missing name after "${type}:"`,
    );
  }
  switch (type) {
    case "hash":
    case "texthash":
      return openTextMap(spec, name, options);
    case "static":
      return openStaticMap(spec, name);
    case "unix":
      return openUnixMap(spec, name, options);
    case "inline":
      return openInlineMap(spec, name);
    case "cidr":
      return openCidrMap(spec, name, options);
    case "regexp":
    case "pcre":
      return openRegexpMap(spec, name, type, options);
    default:
      throw new Error(
        `unsupported lookup table type "${type}" in "${spec}" (supported: ${
          MAP_TYPES.join(", ")
        })`,
      );
  }
}
