import assert from "node:assert/strict";
import { createEnqueue } from "../../../src/queue/enqueue.ts";
import { createPickup } from "../../../src/queue/pickup.ts";
import { namesIn, temporaryQueue, testEnvelope } from "./config_fixture.ts";

async function dropLocally(
  gate: ReturnType<typeof createEnqueue>,
): Promise<string> {
  const writer = await gate(testEnvelope(), { queue: "maildrop" });
  await writer.write(new TextEncoder().encode("Subject: local\n\nHi.\n"));
  await writer.commit();
  return writer.id;
}

Deno.test("pickup moves maildrop/ files into incoming/, syncs incoming/ once, then announces each", async () => {
  await using queue = await temporaryQueue();
  const announced: string[] = [];
  queue.store.subscribe((id) => announced.push(id));
  const gate = createEnqueue(queue.store);
  const ids = [await dropLocally(gate), await dropLocally(gate)];
  assert.deepEqual(announced, [], "a maildrop commit announces nothing");
  const synced: string[] = [];
  const pickup = createPickup(queue.store, (path) => {
    synced.push(path);
    assert.deepEqual(announced, [], "announced only after the sync");
    return Promise.resolve();
  });
  assert.equal(await pickup.run(), 2);
  assert.deepEqual(await namesIn(queue.store.directory("maildrop")), []);
  assert.deepEqual(
    await namesIn(queue.store.directory("incoming")),
    ids.sort(),
  );
  assert.deepEqual(synced, [queue.store.directory("incoming")]);
  assert.deepEqual(announced.sort(), ids.sort());
  assert.equal(await pickup.run(), 0);
});

Deno.test("a maildrop/ file that does not parse goes to corrupt/; others are not held up", async () => {
  await using queue = await temporaryQueue();
  const gate = createEnqueue(queue.store);
  const good = await dropLocally(gate);
  await Deno.writeTextFile(
    queue.store.path("maildrop", "8DsBw0lSIIgfQSJ"),
    "junk\n",
  );
  const pickup = createPickup(queue.store, () => Promise.resolve());
  assert.equal(await pickup.run(), 1);
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), [good]);
  assert.deepEqual(await namesIn(queue.store.directory("corrupt")), [
    "8DsBw0lSIIgfQSJ",
  ]);
});

Deno.test("runs asked for during a run are served by one more run, never in parallel", async () => {
  await using queue = await temporaryQueue();
  const gate = createEnqueue(queue.store);
  await dropLocally(gate);
  let inSync = 0;
  let release!: () => void;
  const gateOpen = new Promise<void>((r) => release = r);
  let reached!: () => void;
  const syncReached = new Promise<void>((r) => reached = r);
  const pickup = createPickup(queue.store, async () => {
    inSync++;
    assert.equal(inSync, 1, "one run at a time");
    reached();
    await gateOpen;
    inSync--;
  });
  const first = pickup.run();
  // Dropped while the first run waits in its sync.
  await syncReached;
  const late = await dropLocally(gate);
  const second = pickup.run();
  const third = pickup.run();
  release();
  assert.equal(await first, 1);
  assert.equal(await second, 1);
  assert.equal(await third, 1);
  assert.ok((await namesIn(queue.store.directory("incoming"))).includes(late));
});
