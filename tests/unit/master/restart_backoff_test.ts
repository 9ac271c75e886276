import assert from "node:assert/strict";
import {
  createRestartBackoff,
  FIRST_RESTART_DELAY_MS,
  MAX_RESTART_DELAY_MS,
  STABLE_RUN_MS,
} from "../../../src/master/restart_backoff.ts";

Deno.test("restart backoff: 1 s, doubling to 60 s while the role keeps failing", () => {
  const backoff = createRestartBackoff();
  const waits: number[] = [];
  let now = 0;
  for (let i = 0; i < 9; i++) {
    backoff.started(now);
    now += 10; // fails at once, as a role with a broken table does
    const wait = backoff.failed(now);
    waits.push(wait);
    now += wait;
  }
  assert.equal(FIRST_RESTART_DELAY_MS, 1000);
  assert.equal(MAX_RESTART_DELAY_MS, 60_000);
  assert.deepEqual(waits, [
    1000,
    2000,
    4000,
    8000,
    16000,
    32000,
    60000,
    60000,
    60000,
  ]);
});

Deno.test("restart backoff: a stable minute resets the wait to the first", () => {
  const backoff = createRestartBackoff();
  backoff.started(0);
  assert.equal(backoff.failed(5), 1000);
  backoff.started(1005);
  assert.equal(backoff.failed(1010), 2000);
  backoff.started(3010);
  assert.equal(backoff.failed(3010 + STABLE_RUN_MS - 1), 4000);
  backoff.started(100_000);
  assert.equal(backoff.failed(100_000 + STABLE_RUN_MS), 1000);
});

Deno.test("restart backoff: tests may shorten the first wait; it never passes the cap", () => {
  const backoff = createRestartBackoff({ firstDelayMs: 50, maxDelayMs: 150 });
  backoff.started(0);
  assert.deepEqual(
    [backoff.failed(1), backoff.failed(2), backoff.failed(3)],
    [50, 100, 150],
  );
});
