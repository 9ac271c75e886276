import assert from "node:assert/strict";
import {
  formatDeferReasons,
  parseDeferReasons,
} from "../../../src/queue/defer_reasons.ts";

Deno.test("defer reasons are one `address: reason` line per recipient", () => {
  const text = formatDeferReasons([
    {
      recipient: "bob@example.test",
      reason: "connect to mx.example.test: Connection refused",
    },
    { recipient: "carol@example.test", reason: "mailbox full" },
  ]);
  assert.equal(
    text,
    "bob@example.test: connect to mx.example.test: Connection refused\n" +
      "carol@example.test: mailbox full\n",
  );
  assert.deepEqual(
    parseDeferReasons(text),
    new Map([
      ["bob@example.test", "connect to mx.example.test: Connection refused"],
      ["carol@example.test", "mailbox full"],
    ]),
  );
});

Deno.test("odd addresses and multi-line reasons round-trip on one line each", () => {
  const reasons = [
    { recipient: '"a: b"@example.test', reason: "first\nsecond\r\nthird" },
    { recipient: "100%@example.test", reason: "x" },
  ];
  const text = formatDeferReasons(reasons);
  assert.equal(text.split("\n").length, 3);
  assert.deepEqual(
    parseDeferReasons(text),
    new Map([
      ['"a: b"@example.test', "first second  third"],
      ["100%@example.test", "x"],
    ]),
  );
});

Deno.test("damaged lines are skipped, never fatal", () => {
  assert.deepEqual(
    parseDeferReasons(
      "garbage\n%zz: bad escape\n: no address\nok@x.test: fine\n",
    ),
    new Map([["ok@x.test", "fine"]]),
  );
});
