import assert from "node:assert/strict";
import {
  createTrimSchedule,
  quietWhen,
} from "../../../src/master/memory_trim.ts";

Deno.test("memory trim: one collection after two quiet checks that follow activity", () => {
  const due = createTrimSchedule();
  // Start-up counts as activity: the first quiet spell is trimmed.
  assert.deepEqual([true, true, true].map(due), [false, true, false]);
  // Busy, then quiet again: one more collection, on the second quiet check.
  assert.deepEqual(
    [false, false, true, true, true, true].map(due),
    [false, false, false, true, false, false],
  );
  // A single quiet check between busy ones never collects.
  assert.deepEqual([false, true, false, true].map(due), [
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("memory trim: quiet means the counter did not move and the thread is idle", () => {
  let count = 0;
  let idle = true;
  const quiet = quietWhen(() => count, () => idle);
  assert.equal(quiet(), true);
  count++;
  assert.equal(quiet(), false, "mail arrived since the last check");
  assert.equal(quiet(), true);
  idle = false;
  assert.equal(quiet(), false, "a session is open");
});
