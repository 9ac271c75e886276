import assert from "node:assert/strict";
import {
  createQueueIdGenerator,
  isQueueId,
  newQueueId,
  QUEUE_ID_LENGTH,
  queueIdTime,
} from "../../../src/queue/queue_id.ts";

Deno.test("100k queue IDs are unique, well formed and strictly increasing", () => {
  const seen = new Set<string>();
  let previous = "";
  for (let i = 0; i < 100_000; i++) {
    const id = newQueueId();
    assert.ok(isQueueId(id), `bad ID "${id}"`);
    assert.ok(id > previous, `"${id}" does not sort after "${previous}"`);
    seen.add(id);
    previous = id;
  }
  assert.equal(seen.size, 100_000);
});

Deno.test("queue IDs stay monotonic when the clock steps back or stands still", () => {
  const times = [5_000_000, 5_000_000, 4_000_000, 9_000_000, 1];
  const next = createQueueIdGenerator({ clock: () => times.shift()! });
  const ids = Array.from({ length: 5 }, next);
  assert.deepEqual(ids.map(queueIdTime), [
    5_000_000,
    5_000_001,
    5_000_002,
    9_000_000,
    9_000_001,
  ]);
  assert.deepEqual([...ids].sort(), ids);
});

Deno.test("the time part encodes microseconds and sorts as time", () => {
  const micros = [
    1_700_000_000_000_000,
    1_700_000_000_000_001,
    4_102_444_800_000_000,
  ];
  const ids = micros.map((t) => createQueueIdGenerator({ clock: () => t })());
  assert.deepEqual(ids.map(queueIdTime), micros);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(ids[0].length, QUEUE_ID_LENGTH);
});

Deno.test("two generators in the same microsecond differ by their random part", () => {
  let seed = 0;
  const random = (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed++ * 37) % 256;
  };
  const a = createQueueIdGenerator({ clock: () => 42, random })();
  const b = createQueueIdGenerator({ clock: () => 42, random })();
  assert.equal(a.slice(0, 9), b.slice(0, 9));
  assert.notEqual(a, b);
});

Deno.test("random bytes at or above 248 are rejected (no modulo bias)", () => {
  const bytes = [255, 250, 248, 0, 61, 62, 247, 1, 2, 3, 4, 5];
  const next = createQueueIdGenerator({
    clock: () => 0,
    random: (out) => {
      for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length];
    },
  });
  // 0→'0', 61→'z', 62→'0', 247→'z' (247 % 62 = 61), 1→'1', 2→'2'
  assert.equal(next().slice(9), "0z0z12");
});

Deno.test("isQueueId accepts only the ID alphabet and length", () => {
  assert.ok(isQueueId("0123456789abcXY"));
  assert.ok(!isQueueId("0123456789abcX"));
  assert.ok(!isQueueId("0123456789abcX-"));
  assert.ok(!isQueueId("../../etc/passw"));
  assert.throws(() => queueIdTime("nope"), /Not a queue ID: "nope"/);
});
