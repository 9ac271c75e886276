/**
 * `mailsrv postmap` — Postfix's postmap(1): check lookup tables, query
 * them as the daemon would. mailsrv reads tables as text, so there is
 * nothing to compile (see `table_tool.ts`).
 */
import type { Command } from "./command.ts";
import { runTableTool } from "./table_tool.ts";

/** The `postmap` subcommand. */
export const postmapCommand: Command = {
  name: "postmap",
  summary: "check lookup tables, or look a key up (nothing to compile)",
  usage: "postmap [--config PATH] [-v] [-q KEY] [type:]FILE...",
  description:
    `Checks each table with the parser the daemon uses and prints every line it
skips as "postmap: warning: FILE, line N: ...". As Postfix's postmap it prints
nothing else and exits 0; mailsrv reads the text file itself and follows its
changes, so there is no .db file to build. TYPE is hash (the default),
texthash or cidr; static:, inline: and unix: tables name no file.
  -q KEY  print the value of KEY as the daemon finds it (first table that
          has it); exit 0 when found, 1 when not; "-q -" reads keys from
          standard input and prints "key<TAB>value" for those found
  -v      also say how many entries each file has
A file that cannot be read: "postmap: fatal: open FILE: reason", exit 1.`,
  options: {
    query: { type: "string", short: "q" },
    verbose: { type: "boolean", short: "v" },
  },
  maxOperands: Infinity,
  run: (context) => runTableTool("postmap", context),
};
