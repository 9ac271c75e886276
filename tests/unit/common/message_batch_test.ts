import assert from "node:assert/strict";
import {
  batchPerTurn,
  batchWithin,
} from "../../../src/common/message_batch.ts";

Deno.test("what one turn adds is handed over once, after it", async () => {
  const sent: string[][] = [];
  const batch = batchPerTurn<string>((items) => sent.push(items));
  batch.add("a");
  batch.add("b");
  assert.deepEqual(sent, []);
  await null;
  assert.deepEqual(sent, [["a", "b"]]);
  // Continuations resumed together (one group commit's round): one batch.
  const round = Promise.resolve();
  await Promise.all(["c", "d", "e"].map(async (x) => {
    await round;
    await null;
    batch.add(x);
  }));
  await null;
  assert.deepEqual(sent, [["a", "b"], ["c", "d", "e"]]);
});

Deno.test("a turn that adds nothing hands over nothing", async () => {
  const sent: number[][] = [];
  const batch = batchPerTurn<number>((items) => sent.push(items));
  batch.flush();
  batch.add(1);
  batch.flush();
  await null;
  await null;
  assert.deepEqual(sent, [[1]]);
});

Deno.test("a timed batch goes when full, or at flush", () => {
  const sent: number[][] = [];
  const batch = batchWithin<number>((items) => sent.push(items), 60_000, 3);
  for (let i = 1; i <= 7; i++) batch.add(i);
  assert.deepEqual(sent, [[1, 2, 3], [4, 5, 6]]);
  batch.flush();
  batch.flush();
  assert.deepEqual(sent, [[1, 2, 3], [4, 5, 6], [7]]);
});

Deno.test("a timed batch goes by itself after its delay", async () => {
  const sent: number[][] = [];
  const batch = batchWithin<number>((items) => sent.push(items), 1, 100);
  batch.add(1);
  batch.add(2);
  for (let i = 0; i < 1000 && sent.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(sent, [[1, 2]]);
});
