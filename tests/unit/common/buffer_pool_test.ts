import assert from "node:assert/strict";
import {
  createBufferPool,
  drainBufferPools,
} from "../../../src/common/buffer_pool.ts";

Deno.test("buffer pool: returned buffers are reused, up to the limit", () => {
  const pool = createBufferPool(16, 2);
  const a = pool.take();
  const b = pool.take();
  const c = pool.take();
  assert.equal(a.byteLength, 16);
  pool.give(a);
  pool.give(b);
  pool.give(c); // over the limit: dropped
  const taken = [pool.take(), pool.take(), pool.take()];
  assert.ok(taken.includes(a) && taken.includes(b));
  assert.ok(!taken.includes(c));
  pool.give(new Uint8Array(8)); // the wrong size is never pooled
  assert.equal(pool.take().byteLength, 16);
});

Deno.test("buffer pool: draining drops every idle buffer", () => {
  const pool = createBufferPool(16, 4);
  const a = pool.take();
  pool.give(a);
  drainBufferPools();
  assert.notEqual(pool.take(), a);
});
