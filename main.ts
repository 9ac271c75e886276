/**
 * mailsrv — a single-binary mail server. Entry point: `mailsrv COMMAND`,
 * or `sendmail`, `mailq`, `newaliases` when invoked by those names
 * (src/cli/invoked_as.ts). See README.md and `mailsrv help`.
 */
import { commandLineFor, invokedName, main } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await main(commandLineFor(invokedName(), Deno.args)));
}
