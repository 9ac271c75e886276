/**
 * How mailsrv starts another copy of itself (`mailsrv start`).
 *
 * DESCRIPTION
 *   The release binary (`deno compile`) re-runs its own executable. Run
 *   from source, it re-runs Deno on main.ts with the same permission set
 *   the binary bakes in (deno.json "permissions"), so both sandboxes match.
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** The executable and leading arguments that run `mailsrv ARGS…`. */
export function selfCommand(args: readonly string[]): {
  command: string;
  args: string[];
} {
  if (Deno.build.standalone) {
    return { command: Deno.execPath(), args: [...args] };
  }
  const main = fromFileUrl(new URL("../../main.ts", import.meta.url));
  const denoJson = fromFileUrl(new URL("../../deno.json", import.meta.url));
  return {
    command: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      `--config=${denoJson}`,
      "--permission-set=mailsrv",
      main,
      ...args,
    ],
  };
}
