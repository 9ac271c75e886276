/**
 * RETR/TOP encoding: CRLF, dot-stuffing, the terminator, TOP's cut, and
 * chunk boundaries anywhere.
 */
import assert from "node:assert/strict";
import { MessageEncoder, transmitMessage } from "../../../src/pop3/transmit.ts";
import type { MessageReader } from "../../../src/pop3/types.ts";

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

/** A reader giving `pieces` one per read, counting reads and closes. */
function piecesReader(pieces: (i: number) => string | null) {
  const state = { reads: 0, closed: false };
  const reader: MessageReader = {
    read(buffer) {
      const piece = pieces(state.reads++);
      if (piece === null) return null;
      const bytes = enc.encode(piece);
      buffer.set(bytes);
      return bytes.length;
    },
    close() {
      state.closed = true;
    },
  };
  return { reader, state };
}

Deno.test("transmitMessage sends the reply and a small message in one write, and stops reading after TOP", async () => {
  const { reader, state } = piecesReader((i) =>
    i === 0 ? "S: x\n\n" : i < 1000 ? "line\n" : null
  );
  const writes: string[] = [];
  await transmitMessage(enc.encode("+OK\r\n"), reader, (b) => {
    writes.push(dec.decode(b));
    return Promise.resolve();
  }, 2);
  assert.deepEqual(writes, ["+OK\r\nS: x\r\n\r\nline\r\nline\r\n.\r\n"]);
  assert.ok(state.reads < 10, `read ${state.reads} times for TOP 2`);
  assert.ok(state.closed);
});

Deno.test("transmitMessage writes a large message as it reads it, in bounded writes", async () => {
  const line = ".".repeat(99) + "\n";
  const { reader } = piecesReader((i) => i < 100 ? line.repeat(100) : null);
  const writes: Uint8Array[] = [];
  await transmitMessage(enc.encode("+OK 2020000 octets\r\n"), reader, (b) => {
    writes.push(b.slice());
    return Promise.resolve();
  }, null);
  assert.ok(writes.length > 1, "written as it comes, not at the end");
  assert.ok(writes.every((w) => w.length <= 128 * 1024));
  const text = writes.map((w) => dec.decode(w)).join("");
  assert.equal(
    text,
    "+OK 2020000 octets\r\n" +
      ("." + line.replace("\n", "\r\n")).repeat(10_000) +
      ".\r\n",
  );
});

Deno.test("transmitMessage passes a write failure on and closes the reader", async () => {
  const { reader, state } = piecesReader(() => "x\n");
  await assert.rejects(
    transmitMessage(
      new Uint8Array(0),
      reader,
      () => Promise.reject(new Error("peer gone")),
      null,
    ),
    /peer gone/,
  );
  assert.ok(state.closed);
});
