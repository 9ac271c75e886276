import assert from "node:assert/strict";
import {
  checkStructure,
  MAX_TEMP_AGE_MS,
  purgeStaleFiles,
} from "../../../src/queue/queue_repair.ts";
import { enqueue, namesIn, temporaryQueue } from "./config_fixture.ts";

Deno.test("purge removes temporary files older than a day, and spares only with the daemon stopped", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const now = Date.now();
  const old = new Date(now - MAX_TEMP_AGE_MS - 60_000);
  for (
    const name of ["8E9aaaaaaaaaaaa", "8E9bbbbbbbbbbbb", "spare.8E9ccccccccccc"]
  ) {
    await Deno.writeTextFile(store.path("tmp", name), "x");
  }
  await Deno.utime(store.path("tmp", "8E9aaaaaaaaaaaa"), old, old);
  await Deno.utime(store.path("tmp", "spare.8E9ccccccccccc"), old, old);
  assert.deepEqual(purgeStaleFiles(store, { daemonRunning: true }), [
    "8E9aaaaaaaaaaaa",
  ]);
  assert.deepEqual(purgeStaleFiles(store, { daemonRunning: false }), [
    "spare.8E9ccccccccccc",
  ]);
  assert.deepEqual(await namesIn(store.directory("tmp")), ["8E9bbbbbbbbbbbb"]);
});

Deno.test("the structure check moves misplaced and unreadable files to corrupt/", async () => {
  await using queue = await temporaryQueue();
  const { store, gate } = queue;
  const good = await enqueue(gate);
  const broken = await enqueue(gate);
  await store.move(broken, "incoming", "deferred");
  await Deno.writeTextFile(store.path("deferred", broken), "garbage");
  await Deno.writeTextFile(store.path("hold", "notes.txt"), "mine");
  await Deno.mkdir(store.path("incoming", "empty"));
  const stale = "8E9ddddddddddddd".slice(0, 15);
  await Deno.writeTextFile(store.path("defer", stale), "a@b: old\n");
  await Deno.writeTextFile(store.path("defer", good), "a@b: kept\n");
  const report = checkStructure(store, { daemonRunning: false });
  assert.deepEqual(
    report.moved.map((m) => [m.from, m.to]).sort(),
    [[`deferred/${broken}`, broken], ["hold/notes.txt", "notes.txt"]].sort(),
  );
  assert.match(report.moved.find((m) => m.to === broken)!.why, /queue file/);
  assert.deepEqual([...report.removed].sort(), [
    `defer/${stale}`,
    "incoming/empty",
  ]);
  assert.deepEqual(await namesIn(store.directory("incoming")), [good]);
  assert.deepEqual(await namesIn(store.directory("defer")), [good]);
  assert.deepEqual(
    await namesIn(store.directory("corrupt")),
    [broken, "notes.txt"].sort(),
  );
});
