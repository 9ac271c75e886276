import assert from "node:assert/strict";
import {
  encodeQueueFileHeader,
  encodeSizeField,
} from "../../../src/queue/queue_file.ts";
import { formatDeferReasons } from "../../../src/queue/defer_reasons.ts";
import {
  readListingEnvelope,
  readListingReasons,
} from "../../../src/queue/listing_reader.ts";
import { queueListing, readListedMessage } from "../../../src/queue/listing.ts";
import { readEnvelope } from "../../../src/queue/queue_file_reader.ts";
import { CorruptQueueFileError } from "../../../src/queue/queue_file.ts";
import { createQueueIdGenerator } from "../../../src/queue/queue_id.ts";
import type { NewEnvelope } from "../../../src/queue/types.ts";
import { temporaryQueue } from "./config_fixture.ts";

const nextId = createQueueIdGenerator();

function queueFile(
  id: string,
  envelope: Partial<NewEnvelope> & { recipients: string[] },
  content = "Subject: x\n\nbody\n",
): Uint8Array {
  const { bytes, sizeOffset } = encodeQueueFileHeader(id, 1_700_000_000_000, {
    sender: "alice@example.org",
    clientName: "c",
    clientAddress: "192.0.2.1",
    helo: "c",
    protocol: "ESMTP",
    ...envelope,
  });
  const body = new TextEncoder().encode(content);
  bytes.set(encodeSizeField(body.length), sizeOffset);
  const file = new Uint8Array(bytes.length + body.length);
  file.set(bytes);
  file.set(body, bytes.length);
  return file;
}

Deno.test("the quick reader agrees with the full parse, for every file version", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const envelopes: (Partial<NewEnvelope> & { recipients: string[] })[] = [
    { recipients: ["a@example.net", "b%c@example.net"] },
    { recipients: ["d@example.net"], ret: "HDRS", envid: "Q1" },
    { recipients: ["e@example.net"], filter: "smtp:[127.0.0.1]:10025" },
    { recipients: ["f@example.net"], trailer: true, sender: "" },
    // A header longer than one read: the full parse takes over.
    {
      recipients: Array.from({ length: 400 }, (_, i) => `r${i}@example.net`),
    },
  ];
  for (const envelope of envelopes) {
    const id = nextId();
    const path = store.path("deferred", id);
    Deno.writeFileSync(path, queueFile(id, envelope));
    const quick = readListingEnvelope(path, id);
    const full = await readEnvelope(path, id);
    assert.equal(quick.arrivalTime, full.arrivalTime);
    assert.equal(quick.size, full.size);
    assert.equal(quick.sender, full.sender);
    assert.deepEqual(
      quick.recipients.map((r) => [r.address, r.status]),
      full.recipients.map((r) => [r.address, r.status]),
    );
  }
  // Every one of them is listed (versions 3 and 4 included).
  assert.equal([...queueListing(store)].length, envelopes.length);
});

Deno.test("the quick reader refuses what is not this message's queue file", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const id = nextId();
  const path = store.path("deferred", id);
  Deno.writeFileSync(path, queueFile(nextId(), { recipients: ["a@x.test"] }));
  assert.throws(() => readListingEnvelope(path, id), CorruptQueueFileError);
  Deno.writeTextFileSync(path, "MAILSRV-QUEUE 9\nid=" + id + "\n\n");
  assert.throws(() => readListingEnvelope(path, id), CorruptQueueFileError);
  // A short file after a long one: nothing of the earlier read is used.
  const long = nextId();
  Deno.writeFileSync(
    store.path("deferred", long),
    queueFile(long, { recipients: ["a@x.test"] }),
  );
  readListingEnvelope(store.path("deferred", long), long);
  Deno.writeTextFileSync(path, "MAILSRV-QUEUE 1\nid=" + id);
  assert.throws(() => readListingEnvelope(path, id), CorruptQueueFileError);
});

Deno.test("defer logfiles are read short or long", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const reasons = Array.from({ length: 200 }, (_, i) => ({
    recipient: `user${i}@example.net`,
    reason: `host mx${i}.example.net said: 450 4.2.0 try again later`,
  }));
  for (const count of [1, 200]) {
    const path = store.path("defer", nextId());
    Deno.writeTextFileSync(path, formatDeferReasons(reasons.slice(0, count)));
    const read = readListingReasons(path);
    assert.equal(read.size, count);
    assert.equal(read.get("user0@example.net"), reasons[0].reason);
  }
});

Deno.test("a message removed meanwhile is skipped, a removed defer logfile leaves no reasons, other errors fail the listing", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const id = nextId();
  const path = store.path("deferred", id);
  Deno.writeFileSync(path, queueFile(id, { recipients: ["a@example.net"] }));
  // Listed, then delivered before it was read: no entry, no error.
  assert.equal(
    readListedMessage("deferred", nextId(), path + "x", undefined),
    undefined,
  );
  // Its defer logfile removed meanwhile (the message was just retried).
  const entry = readListedMessage(
    "deferred",
    id,
    path,
    store.path("defer", id),
  );
  assert.deepEqual(entry?.recipients, [
    { address: "a@example.net", reason: undefined },
  ]);
  // Not a file the listing may pass over: the error is the caller's.
  const odd = nextId();
  Deno.mkdirSync(store.path("hold", odd));
  assert.throws(() =>
    readListedMessage("hold", odd, store.path("hold", odd), undefined)
  );
});
