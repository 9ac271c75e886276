import assert from "node:assert/strict";
import {
  checkPassword,
  firstLine,
} from "../../../src/virtual/password_prompt.ts";

function chunks(...parts: string[]) {
  const queue = parts.map((p) => new TextEncoder().encode(p));
  let reads = 0;
  return {
    reads: () => reads,
    read(buffer: Uint8Array): Promise<number | null> {
      reads++;
      const next = queue.shift();
      if (next === undefined) return Promise.resolve(null);
      buffer.set(next.subarray(0, buffer.length));
      return Promise.resolve(Math.min(next.length, buffer.length));
    },
  };
}

Deno.test("--password-stdin takes the first line only, CR dropped, across reads", async () => {
  assert.equal(
    await firstLine(chunks("s3cr", "et\r\nsecond line\n")),
    "s3cret",
  );
  assert.equal(await firstLine(chunks("no newline")), "no newline");
  const input = chunks("pw\n", "never read");
  assert.equal(await firstLine(input), "pw");
  assert.equal(input.reads(), 1, "stops at the newline");
});

Deno.test("empty and over-long passwords are refused", () => {
  assert.throws(() => checkPassword(""), /empty password/);
  assert.throws(() => checkPassword("é".repeat(37)), /longer than 72 bytes/);
  assert.equal(checkPassword("x".repeat(72)), "x".repeat(72));
});
