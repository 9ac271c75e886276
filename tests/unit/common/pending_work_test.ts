import assert from "node:assert/strict";
import { createPendingWork } from "../../../src/common/pending_work.ts";

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

Deno.test("settle with nothing pending is true at once", async () => {
  assert.equal(await createPendingWork().settle(0), true);
});

Deno.test("settle waits for tracked work, failed work included", async () => {
  const work = createPendingWork();
  const one = deferred();
  const two = deferred();
  work.track(one.promise);
  work.track(two.promise).catch(() => {});
  const settled = work.settle(10_000);
  one.resolve();
  two.reject(new Error("store down"));
  assert.equal(await settled, true);
});

Deno.test("settle waits for work tracked while it waits", async () => {
  const work = createPendingWork();
  const first = deferred();
  const second = deferred();
  work.track(first.promise.then(() => {
    work.track(second.promise);
    queueMicrotask(second.resolve);
  }));
  const settled = work.settle(10_000);
  first.resolve();
  assert.equal(await settled, true);
});

Deno.test("settle gives up after the limit", async () => {
  const work = createPendingWork();
  const never = deferred();
  work.track(never.promise);
  assert.equal(await work.settle(10), false);
  never.resolve();
  assert.equal(await work.settle(10_000), true);
});
