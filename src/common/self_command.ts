/**
 * How mailsrv starts another copy of itself.
 *
 * DESCRIPTION
 *   The release binary (`deno compile`) re-runs its own executable. Run
 *   from source, it re-runs Deno on main.ts with the same permission set
 *   the binary bakes in (deno.json "permissions"), so both sandboxes match.
 *   `--no-prompt` keeps a denied call a NotCapable error on a terminal
 *   too (`mailsrv run`, `mailsrv flush`): Deno would otherwise stop a
 *   Worker to ask on the terminal whether to grant it.
 *
 *   V8_FLAGS cap the young generation at 1 MiB per semi-space (V8's
 *   default grows it to 16 MiB in each isolate under load, and keeps it):
 *   the daemon's garbage is short-lived and small, so scavenges stay cheap
 *   while the resident size stays low. The old generation of each thread
 *   grows by a quarter before its next full collection (V8's default
 *   lets a small heap double), and the memory reducer starts 2 s after a
 *   burst instead of 8–30 s: under 50 SMTP sessions the daemon peaks
 *   about 25 MB lower and is about 45 MB smaller just after the burst, at
 *   no CPU cost per message the benchmarks could tell
 *   (`bench/README.md`). The last moves a regular expression match that
 *   backtracks excessively to V8's linear-time engine, so no
 *   header_checks pattern can stall smtpd on a crafted header
 *   (`maps/regexp_pattern.ts`). deno.json's start and compile tasks and
 *   bin/mailsrv pass the same flags (a test keeps them equal).
 *
 *   Used by `mailsrv start` (the daemon), the file delivery agent (its
 *   privileged `mailsrv deliver-file` child) and the tests that run the
 *   program. A shared leaf: it imports nothing of mailsrv.
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** V8 options the daemon runs with (see the module comment). */
export const V8_FLAGS =
  "--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000,--enable-experimental-regexp-engine-on-excessive-backtracks";

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
      "--no-prompt",
      `--v8-flags=${V8_FLAGS}`,
      main,
      ...args,
    ],
  };
}
