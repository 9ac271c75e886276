/**
 * The content-check tables a session's configuration names.
 *
 * DESCRIPTION
 *   `contentCheckTables(config, tables)` opens (through the session's
 *   table cache) the tables of header_checks, mime_header_checks,
 *   nested_header_checks and body_checks, or none at all when the
 *   listener says `receive_override_options = no_header_body_checks`
 *   (a content filter's reinjection listener: the mail was checked on
 *   its first pass).
 *
 *   Used by smtpd's connection adapter. Opening does no I/O.
 */
import type { Config } from "../../config/types.ts";
import type { MapCache } from "../../maps/mod.ts";
import type { ContentCheckTables } from "./content_inspector.ts";

const NONE: ContentCheckTables = Object.freeze({
  header_checks: [],
  mime_header_checks: [],
  nested_header_checks: [],
  body_checks: [],
});

/** The tables of the four checks for a session running with `config`. */
export function contentCheckTables(
  config: Pick<
    Config,
    | "header_checks"
    | "mime_header_checks"
    | "nested_header_checks"
    | "body_checks"
    | "receive_override_options"
  >,
  tables: MapCache,
): ContentCheckTables {
  if (config.receive_override_options.includes("no_header_body_checks")) {
    return NONE;
  }
  const open = (specs: readonly string[]) => specs.map((s) => tables.open(s));
  return {
    header_checks: open(config.header_checks),
    mime_header_checks: open(config.mime_header_checks),
    nested_header_checks: open(config.nested_header_checks),
    body_checks: open(config.body_checks),
  };
}
