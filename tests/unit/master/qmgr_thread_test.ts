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
    await enqueue(queue.gate);
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

Deno.test("queue manager thread: dormant until the first commit, retired when idle, woken again by mail", async () => {
  await using queue = await temporaryQueue();
  const config = testConfig(queue.directory);
  const thread = await startQueueManagerThread(queue.store, config, false, {
    workerUrl,
    dormant: true,
  });
  try {
    assert.equal(thread.running(), false);
    assert.equal(await thread.activeCount(), 0);
    // The first commit starts a thread (which finds it in incoming/).
    await enqueue(queue.gate);
    assert.equal(thread.running(), true);
    assert.equal(await thread.activeCount(), 7);
    // Its idle report retires it.
    thread.reload({ ...config, myhostname: "idle.test" });
    await eventually(() => Promise.resolve(!thread.running() || undefined));
    // Mail wakes it again; an idle report that crossed a commit is ignored.
    await enqueue(queue.gate);
    await enqueue(queue.gate);
    assert.equal(thread.running(), true);
    thread.reload({ ...config, myhostname: "stale.test" });
    assert.equal(await thread.activeCount(), 7);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(thread.running(), true, "a stale idle report retired it");
  } finally {
    await thread.stop(1000);
  }
  assert.equal(thread.running(), false);
});

Deno.test("queue manager thread: a flush while dormant starts a thread that flushes", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx.test",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  const thread = await startQueueManagerThread(
    queue.store,
    testConfig(queue.directory),
    false,
    { workerUrl, dormant: true, restartDelayMs: 60_000 },
  );
  try {
    thread.flush(); // the fake dies on flush: proof that it was sent
    await eventually(() =>
      Promise.resolve(lines.some((l) => /fell over/.test(l)) || undefined)
    );
  } finally {
    await thread.stop(1000);
  }
});

Deno.test("queue manager thread: a reload that changes its permissions starts a new thread with them", async () => {
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx.test",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  await using queue = await temporaryQueue();
  const granted: string[] = [];
  const config = testConfig(queue.directory);
  const thread = await startQueueManagerThread(queue.store, config, false, {
    workerUrl,
    permissions: (of) => {
      granted.push(of.mail_spool_directory);
      return {
        read: [of.mail_spool_directory],
        write: false,
        net: false,
        run: false,
        env: false,
        sys: false,
        ffi: false,
        import: false,
      };
    },
  });
  const restarted = () =>
    lines.filter((l) => l.includes("restarting with new permissions")).length;
  try {
    assert.equal(await thread.activeCount(), 7);
    // The same grants: the running thread just takes the configuration.
    thread.reload({ ...config, myhostname: "other.test" });
    assert.equal(await thread.activeCount(), 7);
    assert.equal(restarted(), 0);
    // New grants: the thread retires and a new one starts with them.
    thread.reload({ ...config, mail_spool_directory: "/srv/mail/" });
    assert.equal(restarted(), 1);
    assert.equal(
      await eventually(async () => (await thread.activeCount()) || undefined),
      7,
    );
    // Asked at the start, at each reload, and for the new thread.
    assert.deepEqual(granted.slice(2), ["/srv/mail/", "/srv/mail/"]);
    assert.ok(thread.running());
  } finally {
    await thread.stop(1000);
  }
});
