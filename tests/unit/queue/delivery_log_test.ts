import assert from "node:assert/strict";
import {
  deliveryLogLines,
  deliveryProgram,
  formatActiveLine,
  formatDelay,
  formatDeliveryLine,
  formatExpiredLine,
} from "../../../src/queue/delivery_log.ts";
import type { Envelope } from "../../../src/queue/types.ts";

Deno.test("delays print as Postfix prints them", () => {
  const cases: Array<[number, string]> = [
    [0, "0"],
    [4, "0"],
    [5, "0.01"],
    [50, "0.05"],
    [120, "0.12"],
    [124, "0.12"],
    [996, "1"],
    [1234, "1.2"],
    [1000, "1"],
    [9960, "10"],
    [12_345, "12"],
    [1_234_567, "1235"],
    [-50, "0"],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDelay(ms), text, `${ms} ms`);
  }
});

Deno.test("a delivery line has the Postfix fields in order", () => {
  const line = formatDeliveryLine(
    "0Ab3xYz12kLmN9q",
    "bob@example.test",
    {
      outcome: "sent",
      dsn: "2.0.0",
      reason: "delivered to maildir",
      relay: "local",
    },
    { arrival: 1000, active: 1010, handoff: 1010, done: 1120 },
  );
  assert.equal(
    line,
    "0Ab3xYz12kLmN9q: to=<bob@example.test>, relay=local, delay=0.12, " +
      "delays=0.01/0/0/0.11, dsn=2.0.0, status=sent (delivered to maildir)",
  );
});

Deno.test("deferred and bounced lines; control characters cannot break the line", () => {
  const times = { arrival: 0, active: 0, handoff: 0, done: 0 };
  assert.equal(
    formatDeliveryLine("ID", "b@x.test", {
      outcome: "deferred",
      dsn: "4.2.0",
      reason: "busy\r\nID: removed",
      relay: "none",
    }, times),
    "ID: to=<b@x.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.2.0, " +
      "status=deferred (busy  ID: removed)",
  );
  assert.match(
    formatDeliveryLine("ID", "b@x.test", {
      outcome: "bounced",
      dsn: "5.1.1",
      reason: "unknown user",
      relay: "local",
    }, times),
    /status=bounced \(unknown user\)$/,
  );
});

Deno.test("the active, expired lines and the program per relay", () => {
  const envelope = {
    id: "ID",
    sender: "",
    size: 1234,
    recipients: [{}, {}],
  } as unknown as Envelope;
  assert.equal(
    formatActiveLine(envelope),
    "ID: from=<>, size=1234, nrcpt=2 (queue active)",
  );
  assert.equal(
    formatExpiredLine(envelope),
    "ID: from=<>, status=expired, returned to sender",
  );
  assert.equal(deliveryProgram("none"), "qmgr");
  assert.equal(deliveryProgram("local"), "local");
  assert.equal(deliveryProgram("virtual"), "virtual");
  assert.equal(deliveryProgram("mx.example.test[192.0.2.1]:25"), "smtp");
});

Deno.test("an expanded recipient logs one line per target, the recipient as orig_to", () => {
  const times = { arrival: 0, active: 0, handoff: 0, done: 120 };
  const sent = (recipient: string, reason: string) => ({
    recipient,
    outcome: "sent" as const,
    dsn: "2.0.0",
    reason,
    relay: "local",
  });
  const lines = deliveryLogLines("ID", "team@localhost", {
    outcome: "deferred",
    dsn: "4.3.0",
    reason: "mailbox busy",
    relay: "local",
    targets: [
      sent("bob@localhost", "delivered to maildir"),
      {
        ...sent("carol@localhost", ""),
        outcome: "deferred",
        dsn: "4.3.0",
        reason: "mailbox busy",
      },
      sent("Team@localhost", "delivered to command: /usr/bin/vacation"),
      sent("dave@remote.example", "forwarded as NEWID"),
      { ...sent("ann@vdomain.test", "delivered to maildir"), relay: "virtual" },
    ],
  }, times);
  assert.deepEqual(lines.map((l) => l.program), [
    "local",
    "local",
    "local",
    "local",
    "virtual",
  ]);
  assert.deepEqual(lines.map((l) => l.text), [
    "ID: to=<bob@localhost>, orig_to=<team@localhost>, relay=local, delay=0.12, delays=0/0/0/0.12, dsn=2.0.0, status=sent (delivered to maildir)",
    "ID: to=<carol@localhost>, orig_to=<team@localhost>, relay=local, delay=0.12, delays=0/0/0/0.12, dsn=4.3.0, status=deferred (mailbox busy)",
    "ID: to=<Team@localhost>, relay=local, delay=0.12, delays=0/0/0/0.12, dsn=2.0.0, status=sent (delivered to command: /usr/bin/vacation)",
    "ID: to=<dave@remote.example>, orig_to=<team@localhost>, relay=local, delay=0.12, delays=0/0/0/0.12, dsn=2.0.0, status=sent (forwarded as NEWID)",
    "ID: to=<ann@vdomain.test>, orig_to=<team@localhost>, relay=virtual, delay=0.12, delays=0/0/0/0.12, dsn=2.0.0, status=sent (delivered to maildir)",
  ]);
  // Nothing expanded: the one line of the recipient itself.
  assert.deepEqual(
    deliveryLogLines(
      "ID",
      "bob@localhost",
      sent("x", "delivered to maildir"),
      times,
    )
      .map((l) => l.text),
    [
      "ID: to=<bob@localhost>, relay=local, delay=0.12, delays=0/0/0/0.12, dsn=2.0.0, status=sent (delivered to maildir)",
    ],
  );
});
