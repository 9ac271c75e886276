/**
 * The destination scheduler: slow start, the limit, dead destinations
 * and their end, flushes, waiting deliveries told at once.
 */
import assert from "node:assert/strict";
import {
  createDestinationScheduler,
  type DeliverySlot,
} from "../../../src/delivery/destination_scheduler.ts";

function scheduler(now = { t: 0 }, flushing = { on: false }) {
  return createDestinationScheduler({
    now: () => now.t,
    initial: () => 2,
    deadFor: () => 1000,
    flushing: () => flushing.on,
  });
}

Deno.test("the window starts at initial_destination_concurrency and grows with each delivery that reached", async () => {
  const s = scheduler();
  const a = await s.acquire("smtp:x", 4) as DeliverySlot;
  const b = await s.acquire("smtp:x", 4) as DeliverySlot;
  const granted: DeliverySlot[] = [];
  const pending = s.acquire("smtp:x", 4).then((g) =>
    granted.push(g as DeliverySlot)
  );
  await Promise.resolve();
  assert.equal(granted.length, 0, "a third waits while two run");
  a.release({ kind: "reached" });
  await pending;
  const third = granted[0];
  assert.equal(third.kind, "slot");
  // Window 3 now: with b and third running, one more fits.
  const fourth = await s.acquire("smtp:x", 4);
  assert.equal(fourth.kind, "slot");
  b.release({ kind: "neither" });
  third.release({ kind: "reached" });
  (fourth as DeliverySlot).release({ kind: "reached" });
  // Other destinations have their own windows.
  assert.equal((await s.acquire("smtp:y", 4)).kind, "slot");
});

Deno.test("an unreachable destination is dead for minimal_backoff_time; waiting deliveries are told at once; a flush tries it", async () => {
  const now = { t: 0 };
  const flushing = { on: false };
  const s = scheduler(now, flushing);
  const a = await s.acquire("smtp:x", 1) as DeliverySlot;
  const waiting = s.acquire("smtp:x", 1);
  a.release({
    kind: "unreachable",
    dsn: "4.4.1",
    reason: "connect to x: Connection refused",
  });
  assert.deepEqual(await waiting, {
    kind: "dead",
    dsn: "4.4.1",
    reason: "delivery temporarily suspended: connect to x: Connection refused",
  });
  assert.equal((await s.acquire("smtp:x", 1)).kind, "dead");
  flushing.on = true;
  const flushed = await s.acquire("smtp:x", 1);
  assert.equal(flushed.kind, "slot");
  (flushed as DeliverySlot).release({ kind: "neither" });
  flushing.on = false;
  now.t = 1001;
  const again = await s.acquire("smtp:x", 1);
  assert.equal(again.kind, "slot");
  (again as DeliverySlot).release({ kind: "reached" });
  assert.equal((await s.acquire("smtp:x", 1)).kind, "slot");
});
