import assert from "node:assert/strict";
import { DeferredIndex } from "../../../src/queue/deferred_index.ts";
import { createQueueIdGenerator } from "../../../src/queue/queue_id.ts";

function ids(count: number): string[] {
  const next = createQueueIdGenerator();
  return Array.from({ length: count }, () => next());
}

Deno.test("the index keeps each queue ID's retry time and forgets on request", () => {
  const index = new DeferredIndex();
  const [a, b] = ids(2);
  index.set(a, 1000);
  index.set(b, 2000);
  index.set(a, 3000);
  assert.equal(index.size, 2);
  assert.equal(index.due(a), 3000);
  assert.equal(index.due(b), 2000);
  assert.equal(index.delete(a), true);
  assert.equal(index.delete(a), false);
  assert.equal(index.has(a), false);
  assert.equal(index.has(b), true);
  assert.equal(index.size, 1);
});

Deno.test("extreme queue IDs round-trip exactly; other names are ignored", () => {
  const index = new DeferredIndex();
  const extremes = ["000000000000000", "zzzzzzzzzzzzzzz", "zzzzzzzz0000000"];
  for (const id of extremes) index.set(id, 5);
  for (const name of ["short", "00000000000000-", "ÿ00000000000000"]) {
    index.set(name, 5);
  }
  assert.equal(index.size, 3);
  assert.deepEqual(index.takeDue(5).sort(), [...extremes].sort());
  assert.equal(index.size, 0);
});

Deno.test("takeDue returns what is due, earliest first, and keeps the rest", () => {
  const index = new DeferredIndex();
  const all = ids(5000);
  all.forEach((id, i) => index.set(id, 10_000 - i)); // later IDs due first
  const due = index.takeDue(10_000 - 4000);
  assert.deepEqual(due, all.slice(4000).reverse());
  assert.equal(index.size, 4000);
  for (const id of all.slice(0, 4000)) assert.ok(index.has(id), id);
  for (const id of due) assert.equal(index.has(id), false);
  assert.deepEqual(index.takeDue(0), []);
});

Deno.test("many additions and removals keep every survivor findable (backward shift)", () => {
  const index = new DeferredIndex();
  const all = ids(20_000);
  const kept = new Map<string, number>();
  all.forEach((id, i) => {
    index.set(id, i);
    kept.set(id, i);
    if (i % 3 === 1) {
      const gone = all[i - 1];
      assert.equal(index.delete(gone), true);
      kept.delete(gone);
    }
  });
  assert.equal(index.size, kept.size);
  for (const [id, due] of kept) assert.equal(index.due(id), due, id);
  for (const id of kept.keys()) index.delete(id);
  assert.equal(index.size, 0);
  assert.ok(index.bytes < 4096, `shrinks when emptied (${index.bytes} bytes)`);
});

Deno.test("100,000 messages take at most 64 bytes each", () => {
  const index = new DeferredIndex();
  for (const id of ids(100_000)) index.set(id, 1);
  assert.ok(index.bytes <= 64 * 100_000, `${index.bytes} bytes`);
});
