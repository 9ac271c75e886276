import assert from "node:assert/strict";
import { join } from "node:path";
import type { DeliveryResult } from "../../../src/delivery/types.ts";
import { syncDirectory } from "../../../src/fs/sync_directory.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import { createQueueManager } from "../../../src/queue/manager.ts";
import { createEnqueue } from "../../../src/queue/enqueue.ts";
import { QueueStore } from "../../../src/queue/store.ts";
import {
  enqueue,
  namesIn,
  testConfig,
  testEnvelope,
} from "./config_fixture.ts";

const SENT: DeliveryResult = {
  outcome: "sent",
  dsn: "2.0.0",
  reason: "delivered to maildir",
  relay: "local",
};

async function until(what: string, condition: () => Promise<boolean>) {
  for (let turn = 0; turn < 20_000; turn++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error(`Gave up waiting for ${what}`);
}

Deno.test("one pending recipient: its delivery is recorded by a durable removal of the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-qmgr-" });
  const synced: string[] = [];
  await setupLogging({ hostname: "mx", stderr: false, sink: () => {} });
  const store = await QueueStore.open(dir, {
    syncDirectory: (path) => {
      synced.push(path);
      return syncDirectory(path);
    },
  });
  const gate = createEnqueue(store);
  let delivered = false;
  const manager = createQueueManager({
    store,
    enqueue: gate,
    config: () => testConfig(dir),
    deliver: () => {
      delivered = true;
      return Promise.resolve(SENT);
    },
    schedule: () => () => {},
  });
  try {
    await manager.start();
    await enqueue(gate, testEnvelope(["only@example.test"]));
    await until(
      "removal",
      async () =>
        delivered && (await namesIn(join(dir, "active"))).length === 0,
    );
    await until(
      "the active/ fsync",
      () => Promise.resolve(synced.includes(join(dir, "active"))),
    );
    assert.deepEqual(await namesIn(join(dir, "incoming")), []);
  } finally {
    await manager.stop(1000);
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("several pending recipients: each delivery is recorded in the file as it finishes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-qmgr-" });
  await setupLogging({ hostname: "mx", stderr: false, sink: () => {} });
  const store = await QueueStore.open(dir);
  const gate = createEnqueue(store);
  let releaseSecond!: () => void;
  const secondDone = new Promise<void>((r) => releaseSecond = r);
  const manager = createQueueManager({
    store,
    enqueue: gate,
    config: () => testConfig(dir),
    deliver: async (message) => {
      if (message.recipient === "second@example.test") await secondDone;
      return SENT;
    },
    schedule: () => () => {},
  });
  try {
    await manager.start();
    const id = await enqueue(
      gate,
      testEnvelope(["first@example.test", "second@example.test"]),
    );
    // While the second delivery hangs, the first is already on disk as D.
    await until("the first status byte", async () => {
      try {
        const envelope = await store.readEnvelope("active", id);
        return envelope.recipients[0].status === "delivered";
      } catch {
        return false;
      }
    });
    const envelope = await store.readEnvelope("active", id);
    assert.equal(envelope.recipients[1].status, "pending");
    releaseSecond();
    await until(
      "removal",
      async () => (await namesIn(join(dir, "active"))).length === 0,
    );
  } finally {
    releaseSecond();
    await manager.stop(1000);
    await closeLogging();
    await Deno.remove(dir, { recursive: true });
  }
});
