import assert from "node:assert/strict";
import {
  closeLogging,
  maillog,
  setupLogging,
} from "../../../src/log/maillog.ts";

Deno.test("maillog lines: text with braces is written as given, like text without", async () => {
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx.example.test",
    stderr: false,
    sink: (line) => lines.push(line),
  });
  try {
    const log = maillog("smtpd");
    log.info("5GxQ2a1bC: client=x[192.0.2.1]");
    log.info("reject: header Subject: {text} {0} {{x}} }{ from x");
    log.warning("odd {");
    log.error("plain");
  } finally {
    await closeLogging();
  }
  assert.deepEqual(
    lines.map((line) => line.replace(/^.*?mailsrv\/smtpd\[\d+\]: /, "")),
    [
      "5GxQ2a1bC: client=x[192.0.2.1]\n",
      "reject: header Subject: {text} {0} {{x}} }{ from x\n",
      "warning: odd {\n",
      "error: plain\n",
    ],
  );
});
