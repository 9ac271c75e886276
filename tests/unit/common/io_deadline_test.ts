import assert from "node:assert/strict";
import {
  openIoDeadline,
  writeAllWithin,
} from "../../../src/common/io_deadline.ts";

const never = () => new Promise<string>(() => {});
const after = (ms: number, value: string) =>
  new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

Deno.test("io deadline: the work's value when it comes in time", async () => {
  const deadline = openIoDeadline(1000);
  try {
    assert.equal(await deadline.wait(after(5, "data"), "timeout"), "data");
    await assert.rejects(
      deadline.wait(Promise.reject(new Error("reset")), "timeout"),
      /reset/,
    );
  } finally {
    deadline.close();
  }
});

Deno.test("io deadline: a wait past its timeout ends with the expired value, each wait timed afresh", async () => {
  const deadline = openIoDeadline(40);
  try {
    const started = Date.now();
    assert.equal(await deadline.wait(never(), "timeout"), "timeout");
    const took = Date.now() - started;
    assert.ok(took >= 40 && took < 1000, `timed out after ${took} ms`);
    // A wait that ends in time, after a long idle spell, is not cut short.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await deadline.wait(after(10, "line"), "timeout"), "line");
  } finally {
    deadline.close();
  }
});

Deno.test("io deadline: interrupt ends only an interruptible wait", async () => {
  const deadline = openIoDeadline(10_000);
  try {
    const idle = deadline.wait(never(), "timeout", true);
    deadline.interrupt("shutdown");
    assert.equal(await idle, "shutdown");
    const busy = deadline.wait(after(20, "written"), "timeout", false);
    deadline.interrupt("shutdown");
    assert.equal(await busy, "written");
  } finally {
    deadline.close();
  }
});

Deno.test("io deadline: connections with different timeouts each get theirs", async () => {
  const slow = openIoDeadline(10_000);
  const fast = openIoDeadline(30);
  try {
    const slowWait = slow.wait(after(80, "slow data"), "timeout");
    assert.equal(await fast.wait(never(), "timeout"), "timeout");
    assert.equal(await slowWait, "slow data");
  } finally {
    slow.close();
    fast.close();
  }
});

Deno.test("io deadline: writeAllWithin loops over short writes; a failed or stalled write is false", async () => {
  const deadline = openIoDeadline(40);
  try {
    const got: number[] = [];
    const trickle = {
      write: (bytes: Uint8Array) => {
        got.push(bytes[0]);
        return Promise.resolve(1); // one byte at a time
      },
    };
    assert.equal(
      await writeAllWithin(deadline, trickle, new Uint8Array([1, 2, 3])),
      true,
    );
    assert.deepEqual(got, [1, 2, 3]);
    const broken = { write: () => Promise.reject(new Error("EPIPE")) };
    assert.equal(
      await writeAllWithin(deadline, broken, new Uint8Array(1)),
      false,
    );
    const stalled = { write: () => new Promise<number>(() => {}) };
    assert.equal(
      await writeAllWithin(deadline, stalled, new Uint8Array(1)),
      false,
    );
  } finally {
    deadline.close();
  }
});

Deno.test("io deadline: waits inside a request share one deadline, however often data comes", async () => {
  const deadline = openIoDeadline(100);
  try {
    deadline.startRequest();
    const started = Date.now();
    // A byte every 30 ms: each read alone is in time, the request is not.
    let outcome = "";
    for (let i = 0; i < 100 && outcome !== "timeout"; i++) {
      outcome = await deadline.wait(after(30, "byte"), "timeout");
    }
    assert.equal(outcome, "timeout");
    const took = Date.now() - started;
    assert.ok(took < 1000, `the request lasted ${took} ms`);
    deadline.endRequest();
    // After the request, a wait is timed afresh.
    assert.equal(await deadline.wait(after(30, "line"), "timeout"), "line");
  } finally {
    deadline.close();
  }
});

Deno.test("io deadline: a shorter timeout in force ends a wait already under way", async () => {
  let stressed = false;
  const deadline = openIoDeadline(() => stressed ? 30 : 60_000, 30);
  try {
    const idle = deadline.wait(never(), "timeout");
    await new Promise((r) => setTimeout(r, 50));
    stressed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<string>((r) => {
      timer = setTimeout(() => r("still waiting"), 2000);
    });
    assert.equal(await Promise.race([idle, hung]), "timeout");
    clearTimeout(timer);
  } finally {
    deadline.close();
  }
});
