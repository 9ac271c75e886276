import assert from "node:assert/strict";
import {
  findMessageId,
  HEADER_SCAN_LIMIT,
  MessageIdScanner,
} from "../../../src/smtp/message_id.ts";

const encoder = new TextEncoder();

function scan(...chunks: string[]): string | null {
  const scanner = new MessageIdScanner();
  for (const c of chunks) scanner.push(encoder.encode(c));
  return scanner.messageId();
}

Deno.test("the Message-ID: header is found in any case, and unfolded", () => {
  assert.equal(scan("Subject: x\nMessage-ID: <a@b>\n\nbody\n"), "<a@b>");
  assert.equal(scan("message-id:<a@b>\n\n"), "<a@b>");
  assert.equal(scan("Message-Id:\n <folded@b>\nSubject: y\n\n"), "<folded@b>");
});

Deno.test("the body is not looked at", () => {
  assert.equal(scan("Subject: x\n\nMessage-ID: <in-body@b>\n"), null);
  assert.equal(scan("Subject: x\n", "\n", "Message-ID: <in-body@b>\n"), null);
  assert.equal(scan("\nMessage-ID: <in-body@b>\n"), null);
});

Deno.test("the header end is found across chunk boundaries", () => {
  const text = "Subject: x\nMessage-ID: <a@b>\n\nMessage-ID: <c@d>\n";
  for (let k = 0; k <= text.length; k++) {
    const id = scan(text.slice(0, k), text.slice(k));
    assert.equal(id, "<a@b>", `split at ${k}`);
  }
});

Deno.test("a continuation line is not a header of its own", () => {
  assert.equal(findMessageId("X-Note: a\n message-id: <fake@b>\n"), null);
  assert.equal(findMessageId("Message-ID:   \n"), null);
});

Deno.test("only a bounded header section is kept", () => {
  const huge = `X-Filler: ${
    "f".repeat(HEADER_SCAN_LIMIT)
  }\nMessage-ID: <late@b>\n\n`;
  assert.equal(scan(huge), null);
});
