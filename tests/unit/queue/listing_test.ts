import assert from "node:assert/strict";
import {
  formatArrivalTime,
  formatQueueListing,
  formatQueueListingStream,
  queueListing,
  type QueueListingEntry,
} from "../../../src/queue/listing.ts";
import { enqueue, temporaryQueue, testEnvelope } from "./config_fixture.ts";

const ENTRIES: QueueListingEntry[] = [
  {
    id: "8DsBw0lSIIgfQSJ",
    queue: "active",
    size: 1234,
    arrivalTime: Date.UTC(2020, 10, 25, 3, 54, 32),
    sender: "sender@example.com",
    recipients: [{ address: "rcpt@example.com" }],
  },
  {
    id: "8DsBw0lvcKzZF9R",
    queue: "deferred",
    size: 2100,
    arrivalTime: Date.UTC(2020, 10, 5, 13, 4, 5),
    sender: "",
    recipients: [
      {
        address: "a@remote.example",
        reason: "connect to remote.example[192.0.2.1]:25: Connection refused",
      },
      {
        address: "b@remote.example",
        reason: "connect to remote.example[192.0.2.1]:25: Connection refused",
      },
      { address: "c@other.example" },
    ],
  },
  {
    id: "8DsBy0BribPxsWg",
    queue: "hold",
    size: 10,
    arrivalTime: Date.UTC(2021, 0, 1),
    sender: "bounce-me@example.com",
    recipients: [{ address: "x@example.net" }],
  },
];

// Produced with Postfix's printf formats (postqueue/showq_compat.c, long
// queue IDs) by Python's % operator, as an independent oracle.
const GOLDEN = [
  "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------",
  "8DsBw0lSIIgfQSJ*      1234 Wed Nov 25 03:54:32 sender@example.com",
  "                                               rcpt@example.com",
  "",
  "8DsBw0lvcKzZF9R       2100 Thu Nov  5 13:04:05 MAILER-DAEMON",
  "                 (connect to remote.example[192.0.2.1]:25: Connection refused)",
  "                                               a@remote.example",
  "                                               b@remote.example",
  "                                                          (reason unavailable)",
  "                                               c@other.example",
  "",
  "8DsBy0BribPxsWg!        10 Fri Jan  1 00:00:00 bounce-me@example.com",
  "                                               x@example.net",
  "",
  "-- 3 Kbytes in 3 Requests.",
].join("\n") + "\n";

Deno.test("the listing matches Postfix's long-ID layout (golden)", () => {
  assert.equal(formatQueueListing(ENTRIES, { utc: true }), GOLDEN);
});

Deno.test("the streaming formatter yields the same text", async () => {
  let text = "";
  for await (const part of formatQueueListingStream(ENTRIES, { utc: true })) {
    text += part;
  }
  assert.equal(text, GOLDEN);
});

Deno.test("an empty queue and a single request", () => {
  assert.equal(formatQueueListing([]), "Mail queue is empty\n");
  const one = formatQueueListing([ENTRIES[2]], { utc: true });
  assert.match(one, /\n\n-- 0 Kbytes in 1 Request\.\n$/);
});

Deno.test("arrival times print as asctime(3) without the year", () => {
  assert.equal(
    formatArrivalTime(Date.UTC(2020, 10, 5, 3, 4, 5), { utc: true }),
    "Thu Nov  5 03:04:05",
  );
  assert.match(
    formatArrivalTime(Date.now()),
    /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d$/,
  );
});

Deno.test("queueListing reads headers from the listed queues, pending recipients only", async () => {
  await using queue = await temporaryQueue({
    now: () => Date.UTC(2020, 10, 25),
  });
  const { store, gate } = queue;
  const put = async (
    queueName: "maildrop" | "active" | "deferred" | "hold" | "corrupt",
    recipients: string[],
  ) => {
    const id = await enqueue(gate, testEnvelope(recipients), "12345\n");
    if (queueName !== "maildrop") await store.move(id, "incoming", queueName);
    else {await Deno.rename(
        store.path("incoming", id),
        store.path("maildrop", id),
      );}
    return id;
  };
  const dropped = await put("maildrop", ["m@x.test"]);
  const waiting = await enqueue(gate, testEnvelope(["i@x.test"]), "1\n");
  const active = await put("active", ["done@x.test", "todo@x.test"]);
  const { recipients } = await store.readEnvelope("active", active);
  await store.markRecipients(
    "active",
    active,
    [recipients[0].statusOffset],
    "delivered",
  );
  const deferred = await put("deferred", ["d@x.test"]);
  await store.writeDeferReasons(deferred, [{
    recipient: "d@x.test",
    reason: "mailbox busy",
  }]);
  const held = await put("hold", ["h@x.test"]);
  await put("corrupt", ["c@x.test"]);
  const broken = await put("deferred", ["b@x.test"]);
  await Deno.writeTextFile(store.path("deferred", broken), "garbage");

  const entries: QueueListingEntry[] = [];
  for await (const entry of queueListing(store)) entries.push(entry);
  assert.deepEqual(entries.map((e) => [e.queue, e.id]), [
    ["maildrop", dropped],
    ["incoming", waiting],
    ["active", active],
    ["deferred", deferred],
    ["hold", held],
  ]);
  assert.deepEqual(entries[2].recipients, [{
    address: "todo@x.test",
    reason: undefined,
  }]);
  assert.deepEqual(entries[3].recipients, [{
    address: "d@x.test",
    reason: "mailbox busy",
  }]);
  assert.equal(entries[1].size, 2);
  assert.equal(entries[0].sender, "alice@example.test");
  assert.equal(entries[0].arrivalTime, Date.UTC(2020, 10, 25));
  const text = formatQueueListing(entries, { utc: true });
  assert.match(
    text,
    new RegExp(
      `^${active}\\* +6 Wed Nov 25 00:00:00 alice@example\\.test$`,
      "m",
    ),
  );
  assert.match(text, new RegExp(`^${held}! `, "m"));
  assert.match(text, /^ {64}\(mailbox busy\)$/m);
  assert.ok(!text.includes("done@x.test"));
  assert.match(text, /-- 0 Kbytes in 5 Requests\.\n$/);
});

Deno.test("a reason longer than the line starts at column 0, as in Postfix", () => {
  const reason = "host mx.example.net[192.0.2.9] said: 451 4.7.1 Greylisted, " +
    "please try again in 300 seconds (in reply to RCPT TO)";
  const text = formatQueueListing([{
    id: "8DsBw0lvcKzZF9R",
    queue: "deferred",
    size: 1,
    arrivalTime: 0,
    sender: "a@example.org",
    recipients: [{ address: "b@example.net", reason }],
  }], { utc: true });
  assert.match(
    text,
    new RegExp(
      `\\n\\(${
        reason.replace(/[.()[\]]/g, "\\$&")
      }\\)\\n {47}b@example\\.net\\n`,
    ),
  );
});
