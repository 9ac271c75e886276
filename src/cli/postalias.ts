/**
 * `mailsrv postalias` — Postfix's postalias(1): check alias files, query
 * them as local delivery would. mailsrv reads aliases(5) files as text,
 * so there is nothing to compile (see `table_tool.ts`).
 */
import type { Command } from "./command.ts";
import { runTableTool } from "./table_tool.ts";

/** The `postalias` subcommand. */
export const postaliasCommand: Command = {
  name: "postalias",
  summary: "check alias files, or look an alias up (nothing to compile)",
  usage: "postalias [--config PATH] [-v] [-q NAME] [type:]FILE...",
  description:
    `Checks each aliases(5) file with the parser local delivery uses and prints
every entry it skips as "postalias: warning: FILE:LINE: ...". As Postfix's
postalias it prints nothing else and exits 0; mailsrv reads the file itself
and follows its changes, so there is no .db file to build ("mailsrv
newaliases" checks every file of alias_maps).
  -q NAME  print the targets of alias NAME as local delivery finds them;
           exit 0 when found, 1 when not; "-q -" reads names from standard
           input and prints "name<TAB>targets" for those found
  -v       also say how many aliases each file has
A file that cannot be read: "postalias: fatal: open FILE: reason", exit 1.`,
  options: {
    query: { type: "string", short: "q" },
    verbose: { type: "boolean", short: "v" },
  },
  maxOperands: Infinity,
  run: (context) => runTableTool("postalias", context),
};
