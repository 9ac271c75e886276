import assert from "node:assert/strict";
import { DataEncoder } from "../../../../src/delivery/smtp/data_encoder.ts";
import { joinBytes } from "../../../../src/common/join_bytes.ts";

function encode(chunks: string[]): string {
  const encoder = new DataEncoder();
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    out.push(...encoder.encode(new TextEncoder().encode(chunk)));
  }
  out.push(encoder.finish());
  return new TextDecoder().decode(joinBytes(out));
}

const table: [string, string[], string][] = [
  ["LF becomes CRLF", ["a\nb\n"], "a\r\nb\r\n.\r\n"],
  [
    "a leading dot is doubled",
    [".hidden\n..two\n"],
    "..hidden\r\n...two\r\n.\r\n",
  ],
  ["a dot inside a line is not", ["a.b\n"], "a.b\r\n.\r\n"],
  [
    "a lone dot line cannot end the data",
    ["x\n.\ny\n"],
    "x\r\n..\r\ny\r\n.\r\n",
  ],
  ["a last line without LF is ended", ["no end"], "no end\r\n.\r\n"],
  ["empty content", [], ".\r\n"],
  [
    "a dot after a chunk boundary at line start",
    ["a\n", ".b\n"],
    "a\r\n..b\r\n.\r\n",
  ],
  ["a dot after a chunk boundary mid-line", ["a", ".b\n"], "a.b\r\n.\r\n"],
  ["a line split across chunks", ["ab", "cd\n", "\n"], "abcd\r\n\r\n.\r\n"],
];

for (const [name, chunks, wire] of table) {
  Deno.test(`DATA encoding: ${name}`, () => assert.equal(encode(chunks), wire));
}
