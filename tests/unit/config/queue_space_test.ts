import assert from "node:assert/strict";
import {
  queueSpaceShortfall,
  requiredQueueSpace,
} from "../../../src/config/queue_space.ts";

const MB = 1_000_000;

Deno.test("the queue needs the larger of queue_minfree and 1.5 x message_size_limit", () => {
  assert.equal(
    requiredQueueSpace({ queue_minfree: 0, message_size_limit: 10 * MB }),
    15 * MB,
  );
  assert.equal(
    requiredQueueSpace({ queue_minfree: 20 * MB, message_size_limit: 10 * MB }),
    20 * MB,
  );
  // No message size limit: queue_minfree alone.
  assert.equal(
    requiredQueueSpace({ queue_minfree: 0, message_size_limit: 0 }),
    0,
  );
});

Deno.test("a shortfall is named; enough or unknown space is none", () => {
  const limits = { queue_minfree: 0, message_size_limit: 10 * MB };
  assert.match(
    queueSpaceShortfall(3 * MB, limits)!,
    /^not enough free space in mail queue: 3000000 bytes < 1\.5\*message size limit$/,
  );
  assert.equal(queueSpaceShortfall(15 * MB, limits), undefined);
  assert.equal(queueSpaceShortfall(undefined, limits), undefined);
  assert.match(
    queueSpaceShortfall(2 * MB, {
      queue_minfree: 5 * MB,
      message_size_limit: 0,
    })!,
    /< queue_minfree \(5000000\)$/,
  );
  // A declared size must fit above queue_minfree.
  const open = { queue_minfree: 1 * MB, message_size_limit: 0 };
  assert.equal(queueSpaceShortfall(8 * MB, open, 6 * MB), undefined);
  assert.match(queueSpaceShortfall(8 * MB, open, 7.5 * MB)!, /declared/);
});
