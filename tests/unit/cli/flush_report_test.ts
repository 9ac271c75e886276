import assert from "node:assert/strict";
import {
  flushExitCode,
  formatFlushedMessage,
  formatFlushReport,
} from "../../../src/cli/flush_report.ts";

const NONE = {
  messages: 0,
  sent: 0,
  deferred: 0,
  bounced: 0,
  errors: 0,
  interrupted: false,
};

Deno.test("flush progress lines name the message and how its recipients came out", () => {
  const base = { id: "8E9lc17VTdMGar8", error: false, sent: 0, bounced: 0 };
  assert.equal(
    formatFlushedMessage({
      ...base,
      sent: 2,
      deferred: 1,
      reason: "mailbox busy",
    }),
    "8E9lc17VTdMGar8: 2 sent, 1 deferred (mailbox busy)",
  );
  assert.equal(
    formatFlushedMessage({ ...base, deferred: 0, bounced: 1 }),
    "8E9lc17VTdMGar8: 1 bounced",
  );
  assert.equal(
    formatFlushedMessage({ ...base, deferred: 0, error: true }),
    "8E9lc17VTdMGar8: not delivered: queue file problem (see the maillog)",
  );
});

Deno.test("the flush summary and its exit code", () => {
  assert.equal(
    formatFlushReport(NONE),
    "flush: 0 messages: 0 sent, 0 deferred, 0 bounced",
  );
  assert.equal(flushExitCode(NONE), 0);
  const bounced = { ...NONE, messages: 1, bounced: 1 };
  assert.equal(flushExitCode(bounced), 0, "nothing is left to retry");
  const deferred = { ...NONE, messages: 1, sent: 1, deferred: 1 };
  assert.equal(
    formatFlushReport(deferred),
    "flush: 1 message: 1 sent, 1 deferred, 0 bounced",
  );
  assert.equal(flushExitCode(deferred), 75);
  const stopped = { ...NONE, interrupted: true };
  assert.match(formatFlushReport(stopped), /\(interrupted: /);
  assert.equal(flushExitCode(stopped), 75);
  const broken = { ...deferred, errors: 1 };
  assert.match(formatFlushReport(broken), /, 1 error$/);
  assert.equal(flushExitCode(broken), 1);
});
