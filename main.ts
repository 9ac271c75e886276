/**
 * mailsrv — a single-binary mail server. Entry point: `mailsrv COMMAND`.
 * See README.md and `mailsrv help`.
 */
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
