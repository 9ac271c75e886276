import assert from "node:assert/strict";
import { mboxrdEncoder } from "../../../../src/delivery/mailbox/mboxrd_encoder.ts";
import { bytes, concatBytes } from "../test_message.ts";

const decoder = new TextDecoder();

async function encode(chunks: readonly Uint8Array[]): Promise<string> {
  const source = ReadableStream.from(chunks);
  const parts: Uint8Array[] = [];
  for await (const part of source.pipeThrough(mboxrdEncoder())) {
    parts.push(part);
  }
  return decoder.decode(concatBytes(parts));
}

/** A reference implementation over the whole text, line by line. */
function reference(text: string): string {
  const body = text.replace(/^(>*From )/gm, ">$1");
  return (body === "" || body.endsWith("\n") ? body : body + "\n") + "\n";
}

const cases: [string, string][] = [
  ["From x\n", ">From x\n\n"],
  [">From x\n", ">>From x\n\n"],
  [">>From x\n", ">>>From x\n\n"],
  ["From\n", "From\n\n"],
  [">From\n", ">From\n\n"],
  ["Fromage\n", "Fromage\n\n"],
  [" From x\n", " From x\n\n"],
  ["a From x\n", "a From x\n\n"],
  [">>>\n", ">>>\n\n"],
  ["x\nFrom y", "x\n>From y\n\n"],
  [">>Fro", ">>Fro\n\n"],
  ["", "\n"],
  ["\n", "\n\n"],
  ["a\n\nFrom b\n\n", "a\n\n>From b\n\n\n"],
];

Deno.test("mboxrd: quotes /^>*From / lines and frames the message", async () => {
  for (const [input, expected] of cases) {
    assert.equal(await encode([bytes(input)]), expected, input);
    assert.equal(reference(input), expected, `reference: ${input}`);
  }
});

Deno.test("mboxrd: the same output for every split into three chunks", async () => {
  const text = "From a\n>From b\n>>From c\nFrom\n>x\n\nFromage\n>>>Fro";
  const whole = bytes(text);
  const expected = reference(text);
  for (let i = 0; i <= whole.length; i++) {
    for (let j = i; j <= whole.length; j++) {
      const chunks = [
        whole.slice(0, i),
        whole.slice(i, j),
        whole.slice(j),
      ];
      assert.equal(await encode(chunks), expected, `split at ${i}, ${j}`);
    }
  }
});

Deno.test("mboxrd: one byte per chunk", async () => {
  const text = ">>From a\nFrom b\nno\n";
  const chunks = Array.from(bytes(text), (b) => Uint8Array.of(b));
  assert.equal(await encode(chunks), reference(text));
});

Deno.test("mboxrd: a long run of > at a line start is counted, not lost", async () => {
  const run = ">".repeat(200_000);
  const text = `${run}From x\n${run}y\n`;
  const whole = bytes(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < whole.length; i += 4096) {
    chunks.push(whole.slice(i, i + 4096));
  }
  assert.equal(await encode(chunks), reference(text));
});

Deno.test("mboxrd: binary content passes through unchanged", async () => {
  const data = new Uint8Array(256).map((_, i) => i);
  const source = ReadableStream.from([data]);
  const parts: Uint8Array[] = [];
  for await (const part of source.pipeThrough(mboxrdEncoder())) {
    parts.push(part);
  }
  const out = concatBytes(parts);
  assert.deepEqual(out.slice(0, 256), data);
  assert.deepEqual(Array.from(out.slice(256)), [0x0a, 0x0a]);
});
