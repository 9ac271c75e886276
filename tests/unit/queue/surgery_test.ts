import assert from "node:assert/strict";
import { createQueueSurgeon } from "../../../src/queue/surgery.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testEnvelope,
} from "./config_fixture.ts";

Deno.test("delete, hold, release and requeue move or remove the named files", async () => {
  await using queue = await temporaryQueue();
  const { store, gate } = queue;
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await enqueue(gate));
  const [a, b, c, d] = ids;
  await store.move(b, "incoming", "deferred");
  await store.writeDeferReasons(b, [{
    recipient: "bob@example.test",
    reason: "x",
  }]);
  const requeued: string[] = [];
  const surgeon = createQueueSurgeon(store, {
    isBusy: () => false,
    requeued: (id) => requeued.push(id),
  });

  const held = await surgeon.perform({
    operation: "hold",
    ids: [a, b, "nonsense"],
  });
  assert.deepEqual(held.done, [a, b]);
  assert.deepEqual(held.invalid, ["nonsense"]);
  assert.deepEqual(await namesIn(store.directory("hold")), [a, b].sort());
  // A held message keeps its reasons (as Postfix's do).
  assert.deepEqual(await namesIn(store.directory("defer")), [b]);

  // Release only takes from hold/; the others are not found there.
  const released = await surgeon.perform({ operation: "release", ids: [a, c] });
  assert.deepEqual(released.done, [a]);
  assert.deepEqual(requeued, [a]);
  assert.ok((await namesIn(store.directory("incoming"))).includes(a));

  const again = await surgeon.perform({ operation: "requeue", ids: [b] });
  assert.deepEqual(again.done, [b]);
  assert.deepEqual(await namesIn(store.directory("defer")), []);
  assert.deepEqual(requeued, [a, b]);

  // Limited to a queue: d is in incoming/, not deferred/.
  const none = await surgeon.perform({
    operation: "delete",
    ids: [d],
    queues: ["deferred"],
  });
  assert.deepEqual(none.done, []);
  const all = await surgeon.perform({ operation: "delete", ids: "ALL" });
  assert.deepEqual([...all.done].sort(), [a, b, c, d].sort());
  for (const q of ["incoming", "deferred", "hold"] as const) {
    assert.deepEqual(await namesIn(store.directory(q)), []);
  }
});

Deno.test("a message being delivered is acted on only once its attempt is over", async () => {
  await using queue = await temporaryQueue();
  const { store, gate } = queue;
  const id = await enqueue(gate, testEnvelope(["x@example.test"]));
  await store.move(id, "incoming", "active");
  let busy = true;
  const surgeon = createQueueSurgeon(store, {
    isBusy: () => busy,
    requeued: () => {},
  });
  let settled = false;
  const holding = surgeon.perform({ operation: "hold", ids: [id] }).then(
    (r) => {
      settled = true;
      return r;
    },
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false);
  assert.deepEqual(await namesIn(store.directory("active")), [id]);
  // The attempt defers it, then says it is over.
  await store.move(id, "active", "deferred");
  busy = false;
  surgeon.attemptOver(id);
  assert.deepEqual((await holding).done, [id]);
  assert.deepEqual(await namesIn(store.directory("hold")), [id]);

  // An attempt that delivers everything leaves nothing to act on.
  const other = await enqueue(gate);
  await store.move(other, "incoming", "active");
  busy = true;
  const deleting = surgeon.perform({ operation: "delete", ids: [other] });
  await store.remove("active", other);
  busy = false;
  surgeon.attemptOver(other);
  assert.deepEqual((await deleting).done, []);
});
