import assert from "node:assert/strict";
import { createDeliverySlots } from "../../../src/queue/delivery_slots.ts";

Deno.test("slots admit up to the limit and then first come, first served", async () => {
  const slots = createDeliverySlots(() => 2);
  const a = await slots.acquire();
  const b = await slots.acquire();
  assert.ok(a && b);
  assert.equal(slots.busy(), 2);
  const order: string[] = [];
  const c = slots.acquire().then((r) => (order.push("c"), r));
  const d = slots.acquire().then((r) => (order.push("d"), r));
  await Promise.resolve();
  assert.deepEqual(order, []);
  a();
  a(); // a second release is ignored
  const released = await c;
  assert.deepEqual(order, ["c"]);
  assert.equal(slots.busy(), 2);
  b();
  await d;
  assert.deepEqual(order, ["c", "d"]);
  released!();
});

Deno.test("the limit is read at each decision", async () => {
  let limit = 1;
  const slots = createDeliverySlots(() => limit);
  const first = await slots.acquire();
  let second = false;
  const waiting = slots.acquire().then(() => (second = true));
  limit = 3;
  first!(); // releasing wakes waiters up to the new limit
  await waiting;
  assert.ok(second);
});

Deno.test("close turns waiters away; held slots stay valid", async () => {
  const slots = createDeliverySlots(() => 1);
  const held = await slots.acquire();
  const waiter = slots.acquire();
  slots.close();
  assert.equal(await waiter, undefined);
  assert.equal(await slots.acquire(), undefined);
  held!();
  assert.equal(slots.busy(), 0);
});
