import assert from "node:assert/strict";
import { createStatusRecorder } from "../../../src/queue/status_recorder.ts";
import type { RecipientStatus } from "../../../src/queue/types.ts";

Deno.test("results that arrive during a write share the next round", async () => {
  const rounds: Array<[number[], RecipientStatus]> = [];
  let release: () => void = () => {};
  const record = createStatusRecorder(async (offsets, status) => {
    rounds.push([[...offsets], status]);
    if (rounds.length === 1) await new Promise<void>((r) => release = r);
  });
  const first = record(10, "delivered");
  const later = [
    record(20, "delivered"),
    record(30, "bounced"),
    record(40, "delivered"),
  ];
  release();
  await Promise.all([first, ...later]);
  assert.deepEqual(rounds, [
    [[10], "delivered"],
    [[20, 40], "delivered"],
    [[30], "bounced"],
  ]);
});

Deno.test("a failed round rejects its own waiters only", async () => {
  let calls = 0;
  const record = createStatusRecorder(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("EIO")) : Promise.resolve();
  });
  await assert.rejects(() => record(1, "delivered"), /EIO/);
  await record(2, "delivered");
  assert.equal(calls, 2);
});
