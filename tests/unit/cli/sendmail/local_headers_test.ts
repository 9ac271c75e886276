import assert from "node:assert/strict";
import {
  completeHeaders,
  displayName,
  groupHeaderFields,
  recipientsInHeaders,
} from "../../../../src/cli/sendmail/local_headers.ts";

const encoder = new TextEncoder();
const fields = (...lines: string[]) =>
  groupHeaderFields(lines.map((line) => encoder.encode(line)));

const FACTS = {
  myhostname: "mx.example.org",
  mailName: "mailsrv",
  myorigin: "example.org",
  uid: 1000,
  queueId: "8DsBw0lSIIgfQSJ",
  sender: "alice@example.org",
  fullName: "Alice Example",
  now: Date.UTC(2024, 10, 25, 2, 54, 32),
  zoneOffsetMinutes: 60,
};

Deno.test("-t takes To:, Cc: and Bcc:, folded lines included", () => {
  const found = recipientsInHeaders(fields(
    "To: Bob <bob@example.org>,",
    "\tcarol",
    "Cc: dave@example.org",
    "Bcc: erin@example.org",
    "Subject: To: nobody@example.org",
  ));
  assert.ok(found.ok);
  assert.deepEqual(found.addresses, [
    "bob@example.org",
    "carol",
    "dave@example.org",
    "erin@example.org",
  ]);
});

Deno.test("-t takes only Resent- recipients from a resent message", () => {
  const found = recipientsInHeaders(fields(
    "To: bob@example.org",
    "Resent-To: frank@example.org",
    "Resent-Bcc: gina@example.org",
  ));
  assert.ok(found.ok);
  assert.deepEqual(found.addresses, ["frank@example.org", "gina@example.org"]);
});

Deno.test("missing From:, Date:, Message-Id: are added; Bcc: goes; Received: is on top", () => {
  const text = new TextDecoder().decode(completeHeaders(
    fields(
      "To: bob",
      "Bcc: secret@example.org",
      "  continued@example.org",
      "Subject: hi",
    ),
    FACTS,
  ));
  assert.equal(
    text,
    "Received: by mx.example.org (mailsrv, from userid 1000)\n" +
      "\tid 8DsBw0lSIIgfQSJ; Mon, 25 Nov 2024 03:54:32 +0100\n" +
      "To: bob\n" +
      "Subject: hi\n" +
      "From: Alice Example <alice@example.org>\n" +
      "Date: Mon, 25 Nov 2024 03:54:32 +0100\n" +
      "Message-Id: <20241125025432.8DsBw0lSIIgfQSJ@mx.example.org>\n",
  );
});

Deno.test("present headers are kept as they are", () => {
  const text = new TextDecoder().decode(completeHeaders(
    fields("from: me@example.org", "DATE: x", "Message-ID: <a@b>"),
    FACTS,
  ));
  assert.doesNotMatch(text, /^From: Alice/m);
  assert.match(text, /^from: me@example\.org\nDATE: x\nMessage-ID: <a@b>\n$/m);
});

Deno.test("full names are quoted or encoded when they must be", () => {
  assert.equal(displayName("Alice Example"), "Alice Example");
  assert.equal(displayName("Example, Alice"), '"Example, Alice"');
  assert.equal(displayName('A "B" C'), '"A \\"B\\" C"');
  assert.equal(displayName("Jörg"), "=?UTF-8?B?SsO2cmc=?=");
});
