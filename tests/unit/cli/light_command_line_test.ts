import assert from "node:assert/strict";
import { lightCommandLine } from "../../../src/cli/dispatch.ts";
import { commandLineFor } from "../../../src/cli/invoked_as.ts";

Deno.test("queue, sendmail, mailq, run and pop3 start without the whole command table", () => {
  assert.equal(lightCommandLine(["queue"]), true);
  assert.equal(lightCommandLine(["-c", "/etc/mailsrv", "queue", "-j"]), true);
  assert.equal(lightCommandLine(commandLineFor("mailq", [])), true);
  assert.equal(lightCommandLine(commandLineFor("sendmail", ["-t"])), true);
  assert.equal(lightCommandLine(["run", "--config", "/etc/mailsrv"]), true);
  assert.equal(lightCommandLine(["pop3", "--inetd"]), true);
});

Deno.test("help, version, other commands and refused lines take the whole table", () => {
  assert.equal(lightCommandLine(["--help", "queue"]), false);
  assert.equal(lightCommandLine(["--version", "sendmail"]), false);
  assert.equal(lightCommandLine(["flush"]), false);
  assert.equal(lightCommandLine(["-c"]), false);
  assert.equal(lightCommandLine([]), false);
});
