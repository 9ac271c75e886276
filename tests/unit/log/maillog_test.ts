import assert from "node:assert/strict";
import { maillog } from "../../../src/log/maillog.ts";
import { collectMaillog } from "../smtp/fakes.ts";

Deno.test("maillog lines: text with braces is written as given, like text without", async () => {
  const lines = await collectMaillog(() => {
    const log = maillog("smtpd");
    log.info("5GxQ2a1bC: client=x[192.0.2.1]");
    log.info("reject: header Subject: {text} {0} {{x}} }{ from x");
    log.warning("odd {");
    log.error("plain");
    return Promise.resolve();
  });
  assert.deepEqual(lines, [
    "smtpd: 5GxQ2a1bC: client=x[192.0.2.1]",
    "smtpd: reject: header Subject: {text} {0} {{x}} }{ from x",
    "smtpd: warning: odd {",
    "smtpd: error: plain",
  ]);
});
