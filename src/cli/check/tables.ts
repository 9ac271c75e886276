/**
 * `mailsrv check`: every lookup table the configuration names.
 *
 * DESCRIPTION
 *   For each table of each table parameter (`config/configured_tables.ts`):
 *
 *   - its type and name are opened as the daemon would open them, so
 *     `btree:` or `unix:group.byname` is an error here, not a 451 later;
 *   - its file, if it has one, must exist — a missing file is an error
 *     when it makes lookups fail with a temporary error, a warning when it
 *     is an empty table (`/etc/aliases`) — be a readable regular file, and
 *     not be writable by others (alias commands run as the file's owner);
 *   - aliases(5) files are parsed: an entry that would be skipped is an
 *     error (its mail would go elsewhere), a duplicate a warning; postmap
 *     source files are parsed and skipped lines are warnings.
 *
 *   Reads files; creates nothing.
 */
import type { Config } from "../../config/types.ts";
import {
  type ConfiguredTable,
  configuredTables,
  missingFileMeans,
  openConfiguredTable,
} from "../../config/configured_tables.ts";
import {
  formatAliasProblem,
  parseAliasesFile,
} from "../../maps/aliases_file.ts";
import { parsePostmapSource } from "../../maps/postmap_source.ts";
import { parseRegexpTable } from "../../maps/regexp_table.ts";
import { type Findings, reasonOf, statIfExists } from "./findings.ts";

/** The hint for a missing file of the virtual-domain layout. */
function creatorOf(table: ConfiguredTable): string {
  return table.parameter.startsWith("virtual_mailbox_") ||
      table.parameter === "virtual_alias_maps"
    ? ` ("mailsrv domain add" creates the virtual-domain files)`
    : "";
}

/** Reports a table file that does not exist, per what that means. */
function reportMissing(
  table: ConfiguredTable,
  config: Config,
  findings: Findings,
): void {
  const where = `${table.parameter}: ${table.spec}`;
  if (table.kind === "alias" && config.configFile === null) {
    findings.note(`${where}: no such file yet; start creates it`);
  } else if (missingFileMeans(table) === "empty table") {
    findings.warning(
      `${where}: no such file; it is treated as an empty table (no aliases)`,
    );
  } else {
    findings.error(
      `${where}: no such file; every lookup fails with a temporary error ` +
        `(451 4.3.0, mail waits in the queue) until it is created${
          creatorOf(table)
        }`,
    );
  }
}

/** Parses a table file and reports what the daemon would skip. */
function reportContent(
  table: ConfiguredTable,
  file: string,
  text: string,
  findings: Findings,
): void {
  if (table.kind === "alias") {
    for (const problem of parseAliasesFile(text, file).problems) {
      const line = `alias_maps: ${formatAliasProblem(problem)}`;
      if (problem.message.startsWith("duplicate alias")) {
        findings.warning(line);
      } else {
        findings.error(`${line} (entry skipped)`);
      }
    }
  } else if (/^(regexp|pcre):/.test(table.spec)) {
    // Skipped lines (bad or exponential-time patterns) change what the
    // checks do: errors, with the file and line.
    const dialect = table.spec.startsWith("pcre:") ? "pcre" : "regexp";
    for (const warning of parseRegexpTable(text, file, dialect).warnings) {
      findings.error(`${table.parameter}: ${warning}`);
    }
  } else if (table.kind === "map" && !table.spec.startsWith("unix:")) {
    for (const warning of parsePostmapSource(text, file).warnings) {
      findings.warning(`${table.parameter}: ${warning}`);
    }
  }
}

/** Checks the file behind one table. */
async function checkTableFile(
  table: ConfiguredTable,
  file: string,
  config: Config,
  findings: Findings,
): Promise<void> {
  const where = `${table.parameter}: ${table.spec}`;
  let info: Deno.FileInfo | undefined;
  try {
    info = await statIfExists(file);
  } catch (error) {
    findings.error(`${where}: cannot access "${file}": ${reasonOf(error)}`);
    return;
  }
  if (!info) return reportMissing(table, config, findings);
  if (!info.isFile) {
    findings.error(`${where}: "${file}" is not a regular file`);
    return;
  }
  if (info.mode !== null && (info.mode & 0o002) !== 0) {
    findings.warning(`${where}: "${file}" is writable by everyone`);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    findings.error(`${where}: cannot read "${file}": ${reasonOf(error)}`);
    return;
  }
  reportContent(table, file, text, findings);
}

/** Checks every table the configuration names. */
export async function checkTables(
  config: Config,
  findings: Findings,
): Promise<void> {
  const seen = new Set<string>();
  for (const table of configuredTables(config)) {
    try {
      openConfiguredTable(table);
    } catch (error) {
      findings.error(`${table.parameter}: ${(error as Error).message}`);
      continue;
    }
    const key = `${table.kind} ${table.file}`;
    if (table.file === undefined || seen.has(key)) continue;
    seen.add(key);
    await checkTableFile(table, table.file, config, findings);
  }
}
