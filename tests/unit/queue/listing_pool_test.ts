import assert from "node:assert/strict";
import type { QueueName } from "../../../src/queue/mod.ts";
import { writeListingQueue } from "../../helpers/listing_queue.ts";
import {
  formatQueueListingJson,
  formatQueueListingStream,
  queueListing,
} from "../../../src/queue/mod.ts";
import {
  PARALLEL_FROM,
  printQueueListing,
} from "../../../src/queue/listing_pool.ts";
import { temporaryQueue } from "./config_fixture.ts";

Deno.test("a large queue listed by helper threads prints what one thread prints", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  writeListingQueue(
    (q, id) => store.path(q as QueueName | "defer", id),
    PARALLEL_FROM + 100,
    (i) => `busy ${i % 2}`,
  );
  await Deno.writeTextFile(store.path("deferred", "8E9aaaaaaaaaaaa"), "junk");
  for (const json of [false, true]) {
    let parallel = "";
    await printQueueListing(store, {
      json,
      utc: true,
      threads: 2,
      print: (text) => parallel += text,
    });
    const entries = queueListing(store);
    const one = [
      ...(json
        ? formatQueueListingJson(entries)
        : formatQueueListingStream(entries, { utc: true })),
    ].join("");
    assert.equal(parallel, one);
  }
});
