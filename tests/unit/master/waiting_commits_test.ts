import assert from "node:assert/strict";
import { join } from "node:path";
import { announceWaiting } from "../../../src/master/waiting_commits.ts";
import { enqueue, temporaryQueue } from "../queue/config_fixture.ts";

Deno.test("what waits in incoming/ and active/ is announced again, in one turn; other files are not", async () => {
  await using queue = await temporaryQueue({ removesCommitted: false });
  const first = await enqueue(queue.gate);
  const second = await enqueue(queue.gate);
  const moved = await enqueue(queue.gate);
  await queue.store.move(moved, "incoming", "active");
  await Deno.writeTextFile(join(queue.directory, "incoming", "not-an-id"), "");
  const announced: string[] = [];
  /** How many were announced when the first one's turn was over. */
  let inFirstTurn = 0;
  queue.store.subscribe((id) => {
    if (announced.length === 0) {
      queueMicrotask(() => inFirstTurn = announced.length);
    }
    announced.push(id);
  });
  await announceWaiting(queue.store);
  assert.deepEqual(announced.sort(), [first, second, moved].sort());
  assert.equal(inFirstTurn, 3);
});

Deno.test("an empty queue announces nothing", async () => {
  await using queue = await temporaryQueue({ removesCommitted: false });
  const announced: string[] = [];
  queue.store.subscribe((id) => announced.push(id));
  await announceWaiting(queue.store);
  assert.deepEqual(announced, []);
});
