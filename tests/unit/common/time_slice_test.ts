/**
 * Time slices: a loop keeps the thread until its slice is used up, then
 * gives the event loop one turn (a timer due meanwhile runs).
 */
import assert from "node:assert/strict";
import { TimeSlice } from "../../../src/common/time_slice.ts";

Deno.test("within its slice a loop does not pause", () => {
  const slice = new TimeSlice(60_000);
  for (let i = 0; i < 1000; i++) assert.equal(slice.pause(), undefined);
});

Deno.test("once the slice is up, pause() lets a due timer run", async () => {
  const slice = new TimeSlice(0);
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  // Keep the thread past the timer's time, as a long scan would.
  const until = performance.now() + 5;
  while (performance.now() < until) { /* busy */ }
  let pauses = 0;
  for (let i = 0; i < 1000 && !fired; i++) {
    const wait = slice.pause();
    if (wait) {
      pauses++;
      await wait;
    }
  }
  clearTimeout(timer);
  assert.ok(pauses > 0, "it paused");
  assert.ok(fired, "the timer ran while the loop was still going");
});

Deno.test("awaiting only microtasks would not have let it run", async () => {
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  const until = performance.now() + 5;
  while (performance.now() < until) { /* busy */ }
  for (let i = 0; i < 1000; i++) await Promise.resolve();
  clearTimeout(timer);
  assert.equal(fired, false);
});
