import assert from "node:assert/strict";
import { join } from "node:path";
import { startQueueManagerThread } from "../../../src/master/qmgr_thread.ts";
import { setupLogging } from "../../../src/log/maillog.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testConfig,
} from "../queue/config_fixture.ts";

const workerUrl = new URL("./fixtures/fake_qmgr_worker.ts", import.meta.url);

async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out");
}

Deno.test("queue manager thread: commits go to it, spares come back, a crash restarts it", async () => {
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx.test",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  await using queue = await temporaryQueue();
  const thread = await startQueueManagerThread(
    queue.store,
    testConfig(queue.directory),
    false,
    { workerUrl, restartDelayMs: 50 },
  );
  try {
    assert.equal(await thread.activeCount(), 7);
    // A commit is announced; the (fake) thread hands back a spare name,
    // which the store adopts (and drops, the file being absent).
    await enqueue(queue.store);
    await eventually(async () =>
      (await thread.activeCount()) === 7 || undefined
    );

    thread.flush(); // the fake dies on flush
    await eventually(() =>
      Promise.resolve(
        lines.some((l) =>
          /queue manager thread failed: .*fell over; restarting/.test(l)
        ) ||
          undefined,
      )
    );
    // Restarted: it answers again.
    assert.equal(
      await eventually(async () => (await thread.activeCount()) || undefined),
      7,
    );
  } finally {
    await thread.stop(1000);
  }
  assert.deepEqual(await namesIn(join(queue.directory, "tmp")), []);
});

Deno.test("queue manager thread: a start it refuses rejects with its reason", async () => {
  await using queue = await temporaryQueue();
  await assert.rejects(
    startQueueManagerThread(
      queue.store,
      testConfig(queue.directory, { myhostname: "refuse.test" }),
      false,
      { workerUrl },
    ),
    /cannot open the queue/,
  );
});
