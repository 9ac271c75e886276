/**
 * The name the binary was invoked by: `sendmail`, `mailq`, `newaliases`.
 *
 * DESCRIPTION
 *   Installed as links, one binary serves the programs mail software
 *   calls by name (Postfix's sendmail does the same with argv[0]):
 *
 *     sendmail ARGS     = mailsrv sendmail ARGS
 *     mailq ARGS        = mailsrv sendmail -bp ARGS
 *     newaliases ARGS   = mailsrv sendmail -bi ARGS
 *
 *   `invokedName` takes the name from $MAILSRV_INVOKED_AS, which
 *   bin/mailsrv sets from its $0 (a script run by Deno sees "deno" as
 *   argv[0]), and removes the variable so programs that mailsrv runs do
 *   not inherit it; else from the compiled binary's own argv[0] (a
 *   link's name: `Deno.execPath()` resolves links and would always say
 *   "mailsrv"): on Linux the first field of /proc/self/cmdline, else
 *   `process.argv0` (the same text; node:process is loaded only then,
 *   as it costs every command's start-up tens of milliseconds).
 *
 *   Used by main.ts only. Reads the environment.
 */
import { basename } from "node:path";

const VARIABLE = "MAILSRV_INVOKED_AS";

const NAMES = ["sendmail", "mailq", "newaliases"];

/** The name messages start with: the invoked name, else `mailsrv`. */
let program = "mailsrv";

/** This process's argv[0]. */
async function argv0(): Promise<string> {
  if (Deno.build.os === "linux") {
    try {
      const cmdline = Deno.readFileSync("/proc/self/cmdline");
      const end = cmdline.indexOf(0);
      return new TextDecoder().decode(
        end < 0 ? cmdline : cmdline.subarray(0, end),
      );
    } catch {
      // No /proc mounted (a chroot): ask node:process.
    }
  }
  return (await import("node:process")).default.argv0;
}

/** The base name this process was invoked by (see the module comment). */
export async function invokedName(): Promise<string> {
  const given = Deno.env.get(VARIABLE);
  if (given !== undefined) Deno.env.delete(VARIABLE);
  const name = basename(given ?? ((await argv0()) || Deno.execPath()));
  if (NAMES.includes(name)) program = name;
  return name;
}

/**
 * The program name for diagnostics, as Postfix's sendmail prefixes them
 * with its argv[0]: `sendmail: fatal: …` when invoked as sendmail,
 * `mailsrv: fatal: …` as `mailsrv sendmail`.
 */
export function programName(): string {
  return program;
}

/** The mailsrv command line that invocation by `name` stands for. */
export function commandLineFor(
  name: string,
  args: readonly string[],
): string[] {
  switch (name) {
    case "sendmail":
      return ["sendmail", ...args];
    case "mailq":
      return ["sendmail", "-bp", ...args];
    case "newaliases":
      return ["sendmail", "-bi", ...args];
    default:
      return [...args];
  }
}
