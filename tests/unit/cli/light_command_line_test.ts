import { strictEqual as assertEquals } from "node:assert/strict";
import { lightCommandLine } from "../../../src/cli/dispatch.ts";
import { commandLineFor } from "../../../src/cli/invoked_as.ts";

Deno.test("queue, sendmail and mailq start without the whole command table", () => {
  assertEquals(lightCommandLine(["queue"]), true);
  assertEquals(lightCommandLine(["-c", "/etc/mailsrv", "queue", "-j"]), true);
  assertEquals(lightCommandLine(commandLineFor("mailq", [])), true);
  assertEquals(lightCommandLine(commandLineFor("sendmail", ["-t"])), true);
});

Deno.test("help, version, other commands and refused lines take the whole table", () => {
  assertEquals(lightCommandLine(["--help", "queue"]), false);
  assertEquals(lightCommandLine(["--version", "sendmail"]), false);
  assertEquals(lightCommandLine(["flush"]), false);
  assertEquals(lightCommandLine(["-c"]), false);
  assertEquals(lightCommandLine([]), false);
});
