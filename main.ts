/**
 * mailsrv — a single-binary mail server. Entry point: `mailsrv COMMAND`,
 * or `sendmail`, `mailq`, `newaliases` when invoked by those names
 * (src/cli/invoked_as.ts). See README.md and `mailsrv help`.
 *
 * `mailsrv queue`, `sendmail`, `mailq`, `mailsrv run` and `mailsrv pop3`
 * load only their own command (src/cli/light_main.ts); every other
 * command line loads the whole table (src/cli/main.ts).
 */
import { commandLineFor, invokedName } from "./src/cli/invoked_as.ts";
import { lightCommandLine } from "./src/cli/dispatch.ts";

if (import.meta.main) {
  const argv = commandLineFor(await invokedName(), Deno.args);
  const cli = lightCommandLine(argv)
    ? await import("./src/cli/light_main.ts")
    : await import("./src/cli/main.ts");
  Deno.exit(await cli.main(argv));
}
