import assert from "node:assert/strict";
import {
  formatReply,
  printable,
  reply,
  replyLogText,
} from "../../../src/smtp/replies.ts";

Deno.test("a one-line reply carries its enhanced code", () => {
  assert.equal(formatReply(reply(250, "2.1.0", "Ok")), "250 2.1.0 Ok\r\n");
});

Deno.test("a multi-line reply marks all but the last line with a dash", () => {
  assert.equal(
    formatReply(reply(250, null, "mx.example.org", "PIPELINING", "8BITMIME")),
    "250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
  );
  assert.equal(
    formatReply(reply(550, "5.1.1", "a", "b")),
    "550-5.1.1 a\r\n550 5.1.1 b\r\n",
  );
});

Deno.test("replyLogText joins the reply for maillog lines", () => {
  assert.equal(
    replyLogText(reply(554, "5.7.1", "<x@y>: Relay access denied")),
    "554 5.7.1 <x@y>: Relay access denied",
  );
  assert.equal(replyLogText(reply(354, null, "go")), "354 go");
});

Deno.test("printable keeps a client from ending a reply early or flooding a log", () => {
  assert.equal(printable("a\rb\nc\x00d\x7fé"), "a?b?c?d??");
  assert.equal(printable("x".repeat(1000)).length, 256);
});
