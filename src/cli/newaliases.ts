/**
 * `mailsrv newaliases` — Postfix's newaliases(1): check the alias files.
 *
 * DESCRIPTION
 *   mailsrv reads aliases(5) files directly and re-reads them when they
 *   change, so there is nothing to compile; the command is kept for
 *   administrators' habits and scripts, and as a syntax check. Every
 *   `hash:` and `texthash:` file in alias_maps is parsed; each problem is
 *   printed as
 *
 *     mailsrv: warning: FILE:LINE: message
 *
 *   and each file is summed up as `mailsrv: FILE: N aliases`. A missing
 *   file is what it is at delivery (`maps/alias_table.ts`): an empty
 *   table for /etc/aliases, else an error (mail waits). Other table
 *   types are not files and are skipped. Exit 0 when every file is clean,
 *   1 when any problem was found or a file could not be read.
 */
import type { Config } from "../config/types.ts";
import { formatAliasProblem, parseAliasesFile } from "../maps/aliases_file.ts";
import { missingAliasFileIsEmpty } from "../maps/alias_table.ts";
import { type Command, type CommandContext, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

/** The file behind an alias_maps entry, or undefined for other types. */
function aliasFileOf(spec: string): string | undefined {
  return /^(?:hash|texthash):(.+)$/s.exec(spec)?.[1];
}

/**
 * Checks every alias file of `aliasMaps`, printing problems and counts.
 * @returns the exit code: 0 clean, 1 when anything is wrong
 */
export async function checkAliasFiles(
  aliasMaps: Config["alias_maps"],
  output: Pick<CommandContext, "print" | "warn">,
): Promise<number> {
  let clean = true;
  for (const path of new Set(aliasMaps.map(aliasFileOf))) {
    if (path === undefined) continue;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (
        error instanceof Deno.errors.NotFound && missingAliasFileIsEmpty(path)
      ) {
        output.print(`mailsrv: ${path}: 0 aliases (no such file)\n`);
      } else if (error instanceof Deno.errors.NotFound) {
        output.warn(
          `mailsrv: error: ${path}: no such file; local delivery waits ` +
            `("alias database unavailable") until it exists`,
        );
        clean = false;
      } else {
        output.warn(
          `mailsrv: warning: ${path}: cannot read: ${reasonOf(error)}`,
        );
        clean = false;
      }
      continue;
    }
    const { entries, problems } = parseAliasesFile(text, path);
    for (const problem of problems) {
      output.warn(`mailsrv: warning: ${formatAliasProblem(problem)}`);
    }
    if (problems.length > 0) clean = false;
    const count = entries.size;
    output.print(
      `mailsrv: ${path}: ${count} ${count === 1 ? "alias" : "aliases"}\n`,
    );
  }
  return clean ? EXIT.ok : EXIT.failure;
}

/** The `newaliases` subcommand. */
export const newaliasesCommand: Command = {
  name: "newaliases",
  summary: "check the alias files (nothing to compile)",
  usage: "newaliases [--config PATH]",
  description:
    `Parses every hash: and texthash: file in alias_maps and prints each problem
as "mailsrv: warning: FILE:LINE: message", then the number of aliases per
file. mailsrv reads alias files directly and follows their changes, so there
is no database to rebuild. Exits 1 when any problem was found.`,
  options: {},
  async run(context) {
    const config = await configFor(context);
    return await checkAliasFiles(config.alias_maps, context);
  },
};
