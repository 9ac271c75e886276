import assert from "node:assert/strict";
import {
  isDelayWarningDue,
  isExpired,
  queueLifetime,
  retryDelay,
} from "../../../src/queue/backoff.ts";

const config = {
  minimal_backoff_time: 300,
  maximal_backoff_time: 4000,
  maximal_queue_lifetime: 86400,
};

Deno.test("the retry delay is the message age, between the backoff bounds", () => {
  assert.equal(retryDelay(0, config), 300_000);
  assert.equal(retryDelay(299_000, config), 300_000);
  assert.equal(retryDelay(1_000_000, config), 1_000_000);
  assert.equal(retryDelay(3_999_999, config), 3_999_999);
  assert.equal(retryDelay(50_000_000, config), 4_000_000);
});

Deno.test("retrying after the age doubles the interval each attempt", () => {
  let age = 0;
  const intervals: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const delay = retryDelay(age, config);
    intervals.push(delay / 1000);
    age += delay;
  }
  assert.deepEqual(intervals, [300, 300, 600, 1200, 2400, 4000]);
});

Deno.test("a minimum above the maximum wins, as in Postfix", () => {
  assert.equal(
    retryDelay(10_000_000, { ...config, minimal_backoff_time: 5000 }),
    5_000_000,
  );
});

Deno.test("a message expires once it is maximal_queue_lifetime old", () => {
  assert.ok(!isExpired(86_399_999, config));
  assert.ok(isExpired(86_400_000, config));
  assert.ok(isExpired(0, { ...config, maximal_queue_lifetime: 0 }));
});

Deno.test("mail from the null sender expires after bounce_queue_lifetime", () => {
  const both = { ...config, bounce_queue_lifetime: 3600 };
  assert.equal(queueLifetime("", both), 3600);
  assert.equal(queueLifetime("alice@x.test", both), 86400);
  assert.ok(isExpired(3_600_000, both, ""));
  assert.ok(!isExpired(3_600_000, both, "alice@x.test"));
  assert.ok(!isExpired(3_600_000, both), "no sender given: the usual rule");
});

Deno.test("a delay notice is due after delay_warning_time; 0 never", () => {
  assert.ok(!isDelayWarningDue(1e12, { delay_warning_time: 0 }));
  assert.ok(!isDelayWarningDue(14_399_999, { delay_warning_time: 14400 }));
  assert.ok(isDelayWarningDue(14_400_000, { delay_warning_time: 14400 }));
});
