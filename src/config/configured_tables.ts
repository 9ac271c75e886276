/**
 * The lookup tables a configuration names, and what a missing file means.
 *
 * DESCRIPTION
 *   Every parameter whose items are `type:name` tables (the parameter
 *   table's `lookup-table` and `domain-or-table` syntaxes: alias_maps,
 *   local_recipient_maps, virtual_mailbox_domains, virtual_mailbox_maps,
 *   virtual_alias_maps, virtual_uid_maps, virtual_gid_maps, …) is listed
 *   here with its tables, and so is every access table a restriction list
 *   names (`check_client_access hash:/etc/mailsrv/access`, in the main
 *   lists and in listeners' overrides), so `mailsrv check` opens each one and `start`
 *   and `reload` refuse a type mailsrv does not have (`btree:`, `cdb:`,
 *   `mysql:`) instead of answering 451 to every recipient.
 *
 *   What a missing file means, per kind of table (as Postfix, where a
 *   missing table is a temporary error: "Temporary lookup failure" at
 *   RCPT, "alias database unavailable" in local(8)):
 *
 *     alias_maps file /etc/aliases      empty table (mailsrv installs no
 *                                       /etc/aliases; see alias_table.ts)
 *     any other alias_maps file         temporary failure: mail waits
 *     every other table file            temporary failure: 451 4.3.0 at
 *       (hash:, texthash:, domain lists,  RCPT, deferred in the queue
 *        unix:passwd.byname's file)
 *
 *   Either way the daemon logs `warning: TABLE is unavailable. open FILE:
 *   REASON` once, and `mailsrv check` reports it (an error for a
 *   temporary failure, a warning for an empty table). POP3 passwd files
 *   are not configured tables: a missing one means the domain has no POP3
 *   users.
 *
 *   Used by `mailsrv check` and the daemon's start and reload. No I/O:
 *   opening a table only validates its type and name.
 */
import type { Config } from "./types.ts";
import { PARAMETERS } from "./parameters.ts";
import { ConfigError } from "./config_error.ts";
import {
  missingAliasFileIsEmpty,
  openAliasTable,
} from "../maps/alias_table.ts";
import { openMap, SYSTEM_PASSWD_FILE } from "../maps/mod.ts";
import { RESTRICTION_LISTS } from "./restriction_check.ts";
import {
  parseRestrictionList,
  type Restriction,
} from "../policy/restrictions/mod.ts";

/** How a table is read: an aliases(5) file, a domain list, or a map. */
export type TableKind = "alias" | "domain-list" | "map";

/** One table named by one parameter. */
export interface ConfiguredTable {
  readonly parameter: string;
  /** `type:name`, or a `/file` item of a domain list. */
  readonly spec: string;
  readonly kind: TableKind;
  /** The file behind it, when there is one. */
  readonly file?: string;
}

const TEXT_FILE = /^(?:hash|texthash|cidr|regexp|pcre):(.+)$/s;

/** The file a table reads, if any. */
export function tableFile(spec: string): string | undefined {
  if (spec.startsWith("/")) return spec;
  const text = TEXT_FILE.exec(spec);
  if (text) return text[1];
  if (spec === "unix:passwd.byname") return SYSTEM_PASSWD_FILE;
  return undefined;
}

/** The items of parameter `name` in `config`, if it is a list. */
function itemsOf(config: Config, name: string): readonly string[] {
  const value = (config as unknown as Record<string, unknown>)[name];
  return Array.isArray(value) ? value as string[] : [];
}

/** One restriction of a configured list, and the list it stands in. */
export interface ConfiguredRestriction {
  readonly parameter: string;
  readonly restriction: Restriction;
}

/**
 * Every restriction of the restriction lists (smtpd_client_restrictions,
 * …), the main ones and each listener's overrides, list by list. A list
 * that does not parse gives none (the loader reports it).
 */
export function configuredRestrictions(
  config: Config,
): ConfiguredRestriction[] {
  const found: ConfiguredRestriction[] = [];
  const settings = [
    config,
    ...config.listeners.flatMap((l) => l.smtpd ? [l.smtpd] : []),
  ];
  for (const parameter of RESTRICTION_LISTS) {
    for (const values of settings) {
      const items = (values as Partial<Record<string, readonly string[]>>)[
        parameter
      ];
      if (items === undefined) continue;
      let restrictions: readonly Restriction[];
      try {
        restrictions = parseRestrictionList(parameter, items);
      } catch {
        continue;
      }
      for (const restriction of restrictions) {
        found.push({ parameter, restriction });
      }
    }
  }
  return found;
}

/**
 * The access tables of the restriction lists (check_client_access,
 * check_sender_access, …), the main ones and each listener's overrides.
 */
function restrictionTables(config: Config): ConfiguredTable[] {
  const tables: ConfiguredTable[] = [];
  for (const { parameter, restriction: r } of configuredRestrictions(config)) {
    if (!ACCESS_TABLE.test(r.name)) continue;
    if (tables.some((t) => t.spec === r.args[0])) continue;
    tables.push({
      parameter,
      spec: r.args[0],
      kind: "map",
      file: tableFile(r.args[0]),
    });
  }
  return tables;
}

/** Restrictions whose argument is an access(5) table. */
const ACCESS_TABLE = /^check_[a-z_]+_access$/;

/** Every table the configuration names, in parameter order. */
export function configuredTables(config: Config): ConfiguredTable[] {
  return [...parameterTables(config), ...restrictionTables(config)];
}

/** The tables of the table-valued parameters. */
function parameterTables(config: Config): ConfiguredTable[] {
  const tables: ConfiguredTable[] = [];
  for (const parameter of PARAMETERS) {
    if (
      parameter.syntax !== "lookup-table" &&
      parameter.syntax !== "domain-or-table"
    ) continue;
    for (const item of itemsOf(config, parameter.name)) {
      const domainList = parameter.syntax === "domain-or-table";
      // Plain domain names in a domain list are not tables.
      if (domainList && !item.includes(":") && !item.startsWith("/")) {
        continue;
      }
      const kind: TableKind = parameter.name === "alias_maps"
        ? "alias"
        : domainList
        ? "domain-list"
        : "map";
      tables.push({
        parameter: parameter.name,
        spec: item,
        kind,
        file: tableFile(item),
      });
    }
  }
  return tables;
}

/** What a missing file of `table` means to the daemon. */
export function missingFileMeans(
  table: ConfiguredTable,
): "empty table" | "temporary failure" {
  return table.kind === "alias" && table.file !== undefined &&
      missingAliasFileIsEmpty(table.file)
    ? "empty table"
    : "temporary failure";
}

/**
 * Opens `table` as its role would, to validate its type and name; reads
 * nothing.
 * @throws Error naming the spec when the type is unknown or the name bad
 */
export function openConfiguredTable(table: ConfiguredTable): void {
  if (table.kind === "alias") openAliasTable(table.spec);
  else if (table.kind === "map" || !tableFile(table.spec)) {
    openMap(table.spec);
  }
}

/** `parameter: problem` for every table whose type or name is refused. */
export function unusableTables(
  config: Config,
): { parameter: string; message: string }[] {
  const problems: { parameter: string; message: string }[] = [];
  for (const table of configuredTables(config)) {
    try {
      openConfiguredTable(table);
    } catch (error) {
      problems.push({
        parameter: table.parameter,
        message: (error as Error).message,
      });
    }
  }
  return problems;
}

/**
 * Refuses a configuration that names a table mailsrv cannot open (start,
 * reload): better no start than 451 for every recipient.
 * @throws ConfigError naming the file and the parameter
 */
export function refuseUnusableTables(config: Config): void {
  const [first, ...more] = unusableTables(config);
  if (!first) return;
  throw new ConfigError(
    first.message +
      (more.length ? ` (and ${more.length} more; see "mailsrv check")` : ""),
    { file: config.configFile, key: first.parameter },
  );
}
