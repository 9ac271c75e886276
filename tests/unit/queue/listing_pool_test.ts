import assert from "node:assert/strict";
import {
  encodeQueueFileHeader,
  encodeSizeField,
} from "../../../src/queue/queue_file.ts";
import { formatDeferReasons } from "../../../src/queue/defer_reasons.ts";
import { createQueueIdGenerator } from "../../../src/queue/queue_id.ts";
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
  const nextId = createQueueIdGenerator();
  const content = new TextEncoder().encode("Subject: x\n\nbody\n");
  const queues = ["incoming", "active", "deferred", "hold"] as const;
  for (let i = 0; i < PARALLEL_FROM + 100; i++) {
    const id = nextId();
    const recipients = [`r${i}@d${i % 7}.example`, `s${i}@example.org`];
    const { bytes, sizeOffset } = encodeQueueFileHeader(
      id,
      1_700_000_000_000 + i * 1000,
      {
        sender: i % 11 === 0 ? "" : `from${i}@example.org`,
        recipients,
        clientName: "c",
        clientAddress: "192.0.2.1",
        helo: "c",
        protocol: "ESMTP",
      },
    );
    bytes.set(encodeSizeField(content.length), sizeOffset);
    const file = new Uint8Array(bytes.length + content.length);
    file.set(bytes);
    file.set(content, bytes.length);
    const q = queues[i % queues.length];
    Deno.writeFileSync(store.path(q, id), file);
    if (i % 3 === 0) {
      Deno.writeTextFileSync(
        store.path("defer", id),
        formatDeferReasons([{
          recipient: recipients[0],
          reason: `busy ${i % 2}`,
        }]),
      );
    }
  }
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
