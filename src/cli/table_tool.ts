/**
 * What `mailsrv postmap` and `mailsrv postalias` share: Postfix's
 * postmap(1) and postalias(1) for tables that need no compiling.
 *
 * DESCRIPTION
 *   `TOOL [-v] [type:]FILE…` checks each file with the parser the daemon
 *   uses (`maps/table_check.ts`) and prints each skipped line as
 *   `TOOL: warning: …` naming file and line; like Postfix it prints
 *   nothing else and exits 0, warnings or not (`-v` adds one line per
 *   file: its entries, and that there is nothing to compile). A file that
 *   cannot be read is `TOOL: fatal: open FILE: reason`, exit 1.
 *
 *   `TOOL -q KEY [type:]FILE…` looks KEY up as the daemon would (the same
 *   table code, `maps/`): the first table that has it wins; its value is
 *   printed; exit 0 when found, 1 when not (Postfix's codes); a table
 *   that cannot be read is fatal, exit 1. `-q -` reads keys from standard
 *   input, one per line, and prints `key<TAB>value` for each found (exit
 *   0 when any was found).
 *
 *   The default type is `hash` (Postfix's default_database_type); an
 *   unknown type is `TOOL: fatal: unsupported dictionary type: TYPE`.
 */
import { EXIT, UsageError } from "./command.ts";
import type { CommandContext } from "./command.ts";
import { LookupTableError, MAP_TYPES, openMap } from "../maps/mod.ts";
import { openAliasTable } from "../maps/alias_table.ts";
import { reasonOf } from "../maps/table_availability.ts";
import { checkTableText, tableSyntax } from "../maps/table_check.ts";

/** The two tools. */
export type TableTool = "postmap" | "postalias";

/** A table operand, split. */
interface TableOperand {
  readonly type: string;
  readonly name: string;
}

/** A fatal error: printed as `TOOL: fatal: message`, exit 1. */
class FatalError extends Error {}

function splitOperand(operand: string): TableOperand {
  const match = /^([a-z0-9_-]+):(.+)$/s.exec(operand);
  const table = match
    ? { type: match[1], name: match[2] }
    : { type: "hash", name: operand };
  if (!(MAP_TYPES as readonly string[]).includes(table.type)) {
    throw new FatalError(`unsupported dictionary type: ${table.type}`);
  }
  return table;
}

const quiet = { warning: () => {} };

/** Finds `key` in the tables, first table first. */
async function lookup(
  tool: TableTool,
  tables: readonly TableOperand[],
  key: string,
): Promise<string | undefined> {
  for (const { type, name } of tables) {
    const spec = `${type}:${name}`;
    try {
      if (tool === "postalias") {
        const table = openAliasTable(spec, {
          log: quiet,
          missingIsEmpty: () => false,
        });
        const targets = await table.lookup(key);
        if (targets !== undefined) return targets.join(", ");
      } else {
        const value = await openMap(spec, { log: quiet }).lookup(key);
        if (value !== undefined) return value;
      }
    } catch (e) {
      if (e instanceof LookupTableError) {
        throw new FatalError(
          `open ${name}: ${
            e.message.replace(/^cannot read lookup table ".*?": /, "")
          }`,
        );
      }
      throw e;
    }
  }
  return undefined;
}

async function query(
  tool: TableTool,
  key: string,
  tables: readonly TableOperand[],
  context: CommandContext,
): Promise<number> {
  if (key !== "-") {
    const value = await lookup(tool, tables, key);
    if (value === undefined) return EXIT.failure;
    context.print(`${value}\n`);
    return EXIT.ok;
  }
  const input = await new Response(Deno.stdin.readable).text();
  let found = 0;
  for (const line of input.split("\n")) {
    const wanted = line.trim();
    if (wanted === "") continue;
    const value = await lookup(tool, tables, wanted);
    if (value === undefined) continue;
    found++;
    context.print(`${wanted}\t${value}\n`);
  }
  return found > 0 ? EXIT.ok : EXIT.failure;
}

async function check(
  tool: TableTool,
  tables: readonly TableOperand[],
  verbose: boolean,
  context: CommandContext,
): Promise<number> {
  for (const { type, name } of tables) {
    const syntax = tableSyntax(type, tool === "postalias");
    if (syntax === undefined) continue; // static:, inline:, unix: name no file
    let text: string;
    try {
      text = await Deno.readTextFile(name);
    } catch (e) {
      throw new FatalError(`open ${name}: ${reasonOf(e)}`);
    }
    const result = checkTableText(syntax, text, name);
    for (const problem of result.problems) {
      context.warn(`${tool}: warning: ${problem}`);
    }
    if (verbose) {
      context.warn(
        `${tool}: ${name}: ${result.entries} entries, read as text by mailsrv ` +
          `(changes are picked up without a restart; nothing to compile)`,
      );
    }
  }
  return EXIT.ok;
}

/**
 * Runs postmap or postalias.
 * @returns the exit code
 */
export async function runTableTool(
  tool: TableTool,
  context: CommandContext,
): Promise<number> {
  if (context.operands.length === 0) {
    throw new UsageError("missing table file");
  }
  try {
    const tables = context.operands.map(splitOperand);
    const key = context.values.query;
    if (typeof key === "string") return await query(tool, key, tables, context);
    return await check(tool, tables, context.values.verbose === true, context);
  } catch (e) {
    if (!(e instanceof FatalError)) throw e;
    context.warn(`${tool}: fatal: ${e.message}`);
    return EXIT.failure;
  }
}
