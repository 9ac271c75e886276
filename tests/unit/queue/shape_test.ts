import assert from "node:assert/strict";
import {
  collectShape,
  formatShape,
  shapeBucket,
  shapeDomain,
} from "../../../src/queue/shape.ts";
import type { QueueListingEntry } from "../../../src/queue/listing.ts";

Deno.test("domains and age buckets follow qshape", () => {
  assert.equal(shapeDomain("Bob@Example.COM"), "example.com");
  assert.equal(shapeDomain(""), "MAILER-DAEMON");
  assert.equal(shapeDomain("x@.a..b."), "a.b");
  const minute = 60_000;
  assert.equal(shapeBucket(0), 1);
  assert.equal(shapeBucket(4 * minute), 1);
  assert.equal(shapeBucket(5 * minute), 2);
  assert.equal(shapeBucket(10 * minute), 3);
  assert.equal(shapeBucket(639 * minute), 8);
  assert.equal(shapeBucket(1279 * minute), 9);
  assert.equal(shapeBucket(1280 * minute), 10);
  assert.equal(shapeBucket(100_000 * minute), 10);
});

const NOW = Date.UTC(2026, 0, 1);
function entry(
  ageMinutes: number,
  sender: string,
  recipients: string[],
): QueueListingEntry {
  return {
    id: "8E9aaaaaaaaaaaa",
    queue: "deferred",
    size: 1,
    arrivalTime: NOW - ageMinutes * 60_000,
    sender,
    recipients: recipients.map((address) => ({ address })),
  };
}

// qshape's column rules (results() in /usr/sbin/qshape): each column as
// wide as its heading or TOTAL count plus one, at least 3 (T, 5 … 80: 3;
// 160 … 640: 4; 1280: 5; 1280+: 6), so the domain column gets 80 - 41.
const GOLDEN = [
  "                                         T  5 10 20 40 80 160 320 640 1280 1280+",
  "                                  TOTAL  5  2  0  1  0  0   0   0   0    0     2",
  "                            example.net  3  1  0  1  0  0   0   0   0    0     1",
  "                              gmail.com  2  1  0  0  0  0   0   0   0    0     1",
].join("\n") + "\n";

Deno.test("the table is qshape's default layout, domains by count", () => {
  const counts = collectShape([
    entry(1, "a@example.org", ["x@example.net", "y@gmail.com"]),
    entry(15, "b@example.org", ["z@EXAMPLE.NET"]),
    entry(5000, "", ["w@example.net", "v@gmail.com"]),
  ], { now: NOW });
  assert.equal(formatShape(counts), GOLDEN);
  const senders = formatShape(collectShape([
    entry(1, "a@example.org", ["x@example.net"]),
    entry(1, "", ["x@example.net"]),
  ], { now: NOW, senders: true }));
  assert.match(senders, /^ +MAILER-DAEMON +1 +1/m);
  assert.match(senders, /^ +example\.org +1 +1/m);
});
