/**
 * RETR/TOP encoding: CRLF, dot-stuffing, the terminator, TOP's cut, and
 * chunk boundaries anywhere.
 */
import assert from "node:assert/strict";
import { MessageEncoder, transmitMessage } from "../../../src/pop3/transmit.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Encodes `message` split into chunks of `size` bytes. */
function encode(message: string, bodyLines: number | null, size: number) {
  const bytes = enc.encode(message);
  const e = new MessageEncoder(bodyLines);
  let out = "";
  for (let i = 0; i < bytes.length && !e.done; i += size) {
    out += dec.decode(e.push(bytes.subarray(i, i + size)));
  }
  return out + dec.decode(e.finish());
}

const CASES: [string, string, number | null, string][] = [
  ["LF becomes CRLF", "A: 1\n\nbody\n", null, "A: 1\r\n\r\nbody\r\n.\r\n"],
  [
    "CRLF stays CRLF",
    "A: 1\r\n\r\nbody\r\n",
    null,
    "A: 1\r\n\r\nbody\r\n.\r\n",
  ],
  [
    "a leading dot is doubled",
    "A: 1\n\n.\n..x\n",
    null,
    "A: 1\r\n\r\n..\r\n...x\r\n.\r\n",
  ],
  [
    "a dot inside a line is not",
    "A: 1\n\na.b\n",
    null,
    "A: 1\r\n\r\na.b\r\n.\r\n",
  ],
  [
    "a last line without LF gets CRLF",
    "A: 1\n\nend",
    null,
    "A: 1\r\n\r\nend\r\n.\r\n",
  ],
  ["an empty message is just the terminator", "", null, ".\r\n"],
  [
    "bare CR is left alone",
    "A: 1\n\na\rb\n",
    null,
    "A: 1\r\n\r\na\rb\r\n.\r\n",
  ],
  [
    "TOP 0: header and the empty line",
    "A: 1\nB: 2\n\nl1\nl2\n",
    0,
    "A: 1\r\nB: 2\r\n\r\n.\r\n",
  ],
  [
    "TOP 1: one body line",
    "A: 1\n\n.l1\nl2\nl3\n",
    1,
    "A: 1\r\n\r\n..l1\r\n.\r\n",
  ],
  [
    "TOP beyond the body: all of it",
    "A: 1\n\nl1\n",
    10,
    "A: 1\r\n\r\nl1\r\n.\r\n",
  ],
  [
    "TOP with CRLF source",
    "A: 1\r\n\r\nl1\r\nl2\r\n",
    1,
    "A: 1\r\n\r\nl1\r\n.\r\n",
  ],
  [
    "TOP without a body separator sends the header",
    "A: 1\nB: 2",
    0,
    "A: 1\r\nB: 2\r\n.\r\n",
  ],
];

for (const [name, message, bodyLines, expected] of CASES) {
  Deno.test(`MessageEncoder: ${name}, at every chunk size`, () => {
    for (const size of [1, 2, 3, 5, 64]) {
      assert.equal(encode(message, bodyLines, size), expected, `chunk ${size}`);
    }
  });
}

Deno.test("transmitMessage streams chunk by chunk and stops reading after TOP", async () => {
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(enc.encode(pulled === 1 ? "S: x\n\n" : "line\n"));
      if (pulled === 1000) controller.close();
    },
  }, { highWaterMark: 0 });
  const writes: string[] = [];
  await transmitMessage(source, (b) => {
    writes.push(dec.decode(b));
    return Promise.resolve();
  }, 2);
  assert.equal(writes.join(""), "S: x\r\n\r\nline\r\nline\r\n.\r\n");
  assert.ok(pulled < 10, `read ${pulled} chunks for TOP 2`);
  assert.ok(writes.length > 1, "written as it comes, not at the end");
});

Deno.test("transmitMessage passes a write failure on and cancels the source", async () => {
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(enc.encode("x\n")),
    cancel: () => {
      cancelled = true;
    },
  });
  await assert.rejects(
    transmitMessage(source, () => Promise.reject(new Error("peer gone")), null),
    /peer gone/,
  );
  assert.ok(cancelled);
});
