import assert from "node:assert/strict";
import { join } from "node:path";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testEnvelope,
} from "./config_fixture.ts";

Deno.test("a delivered message's file is kept as a spare and reused without its old bytes", async () => {
  await using queue = await temporaryQueue();
  const { store, gate, directory } = queue;
  const big = "Subject: first\n\n" + "old content line\n".repeat(1000);
  const first = await enqueue(gate, testEnvelope(), big);
  await store.move(first, "incoming", "active");
  await store.remove("active", first);
  assert.deepEqual(await namesIn(join(directory, "active")), []);
  const spares = await namesIn(join(directory, "tmp"));
  assert.equal(spares.length, 1);
  assert.equal(spares[0], `spare.${first}`);

  const second = await enqueue(
    gate,
    testEnvelope(["carol@example.test"]),
    "Subject: second\n\nnew\n",
  );
  // The spare was taken: tmp/ is empty again and the new file holds only
  // the new message (header, then exactly its content).
  assert.deepEqual(await namesIn(join(directory, "tmp")), []);
  const envelope = await store.readEnvelope("incoming", second);
  assert.deepEqual(envelope.recipients.map((r) => r.address), [
    "carol@example.test",
  ]);
  const bytes = await Deno.readFile(join(directory, "incoming", second));
  assert.equal(bytes.length, envelope.contentOffset + envelope.size);
  assert.equal(
    new TextDecoder().decode(bytes.subarray(envelope.contentOffset)),
    "Subject: second\n\nnew\n",
  );
});

Deno.test("spares are dropped when the store opens: tmp/ never outlives a daemon", async () => {
  await using queue = await temporaryQueue();
  const { store, gate, directory } = queue;
  const id = await enqueue(gate);
  await store.remove("incoming", id);
  assert.equal((await namesIn(join(directory, "tmp"))).length, 1);
  const { QueueStore } = await import("../../../src/queue/store.ts");
  await QueueStore.open(directory);
  assert.deepEqual(await namesIn(join(directory, "tmp")), []);
});

Deno.test("a store in another thread retires spent files to the writing store, and announces commits to it", async () => {
  await using queue = await temporaryQueue();
  const { store: writing, gate, directory } = queue;
  const { QueueStore } = await import("../../../src/queue/store.ts");
  const delivering = await QueueStore.open(directory, {
    clearStaging: false,
    retire: (spare) => writing.adoptSpare(spare),
  });
  const announced: string[] = [];
  delivering.subscribe((id) => announced.push(id));
  const first = await enqueue(gate);
  delivering.announce(first);
  assert.deepEqual(announced, [first]);
  await writing.move(first, "incoming", "active");
  await delivering.remove("active", first);
  assert.deepEqual(await namesIn(join(directory, "tmp")), [`spare.${first}`]);
  // The writing store reuses it for its next message.
  const second = await enqueue(gate);
  assert.deepEqual(await namesIn(join(directory, "tmp")), []);
  assert.deepEqual(await namesIn(join(directory, "incoming")), [second]);
});

Deno.test("a spare that vanished from tmp/ is skipped: the message gets a fresh file", async () => {
  await using queue = await temporaryQueue();
  const { store, gate, directory } = queue;
  store.adoptSpare("spare.gone");
  const id = await enqueue(gate);
  assert.deepEqual(await namesIn(join(directory, "incoming")), [id]);
});
