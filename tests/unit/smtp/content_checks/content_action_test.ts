import assert from "node:assert/strict";
import { readContentAction } from "../../../../src/smtp/content_checks/content_action.ts";

const read = (value: string, context: "header" | "body" = "header") =>
  readContentAction(value, context, "header_checks");

Deno.test("REJECT: 550 5.7.1 with Postfix's default text, the table's text, or its own code", () => {
  assert.deepEqual(read("REJECT"), {
    action: "reject",
    code: 550,
    dsn: "5.7.1",
    text: "message content rejected",
  });
  assert.deepEqual(read("reject no spam here"), {
    action: "reject",
    code: 550,
    dsn: "5.7.1",
    text: "no spam here",
  });
  assert.deepEqual(read("REJECT 5.7.0 custom"), {
    action: "reject",
    code: 550,
    dsn: "5.7.0",
    text: "custom",
  });
  assert.deepEqual(read("REJECT 4.7.1 try later"), {
    action: "reject",
    code: 451,
    dsn: "4.7.1",
    text: "try later",
  });
});

Deno.test("every other action and its text", () => {
  assert.deepEqual(read("WARN look"), { action: "warn", text: "look" });
  assert.deepEqual(read("INFO note"), { action: "info", text: "note" });
  assert.deepEqual(read("HOLD quarantine"), {
    action: "hold",
    text: "quarantine",
  });
  assert.deepEqual(read("DISCARD"), { action: "discard", text: "" });
  assert.deepEqual(read("IGNORE whatever"), { action: "ignore" });
  assert.deepEqual(read("DUNNO"), { action: "dunno" });
  assert.deepEqual(read("OK"), { action: "dunno" });
  assert.deepEqual(read("PREPEND X-Seen: yes"), {
    action: "prepend",
    text: "X-Seen: yes",
  });
  assert.deepEqual(read("REPLACE Subject: [SPAM]"), {
    action: "replace",
    text: "Subject: [SPAM]",
  });
  assert.deepEqual(read("REPLACE any text", "body"), {
    action: "replace",
    text: "any text",
  });
  assert.deepEqual(read("REDIRECT <spam@example.com>"), {
    action: "redirect",
    address: "spam@example.com",
  });
  assert.deepEqual(read("BCC archive@example.com"), {
    action: "bcc",
    address: "archive@example.com",
  });
  assert.deepEqual(read("FILTER scan:[127.0.0.1]:10025"), {
    action: "filter",
    transport: "scan:[127.0.0.1]:10025",
  });
});

Deno.test("misconfigured actions carry Postfix's warning", () => {
  const warning = (v: string, c: "header" | "body" = "header") => {
    const a = read(v, c);
    assert.equal(a.action, "misconfigured");
    return (a as { warning: string }).warning;
  };
  assert.equal(
    warning("PREPEND not a header"),
    'bad PREPEND header text "not a header" in header_checks map -- need "headername: headervalue"',
  );
  assert.equal(
    warning("REPLACE"),
    "REPLACE action without text in header_checks map",
  );
  assert.equal(
    warning("REDIRECT nobody"),
    'bad REDIRECT target "nobody" in header_checks map -- need user@domain',
  );
  assert.equal(
    warning("BCC nobody"),
    'bad BCC address "nobody" in header_checks map -- need user@domain',
  );
  assert.equal(
    warning("FILTER nocolon"),
    "bad FILTER command nocolon in header_checks -- need transport:destination",
  );
  assert.equal(
    warning("DEFER 4.0.0"),
    "unknown command in header_checks map: DEFER 4.0.0",
  );
});
