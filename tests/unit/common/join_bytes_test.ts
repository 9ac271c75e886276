import assert from "node:assert/strict";
import { joinBytes } from "../../../src/common/join_bytes.ts";

Deno.test("joinBytes: parts in order, always a new array", () => {
  const one = new Uint8Array([1, 2]);
  assert.deepEqual(
    joinBytes([one, new Uint8Array(), new Uint8Array([3])]),
    new Uint8Array([1, 2, 3]),
  );
  const alone = joinBytes([one]);
  assert.deepEqual(alone, one);
  assert.notEqual(alone, one, "a caller may reuse its buffer");
  assert.deepEqual(joinBytes([]), new Uint8Array());
});
