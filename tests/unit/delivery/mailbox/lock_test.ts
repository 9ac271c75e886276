import assert from "node:assert/strict";
import { join } from "node:path";
import { withMailboxLock } from "../../../../src/delivery/mailbox/lock.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import { exists, withTempDir } from "../test_message.ts";

const noWait = { attempts: 2, sleep: () => Promise.resolve() };

Deno.test("lock: both locks are held while fn runs, released after", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    using file = await Deno.open(path, { append: true });
    using other = await Deno.open(path, { read: true });
    const result = await withMailboxLock(path, file, async () => {
      assert.equal(await exists(`${path}.lock`), true);
      assert.equal(await other.tryLock(true), false);
      return 42;
    }, noWait);
    assert.equal(result, 42);
    assert.equal(await exists(`${path}.lock`), false);
    assert.equal(await other.tryLock(true), true);
  });
});

Deno.test("lock: an error in fn still releases both locks", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    using file = await Deno.open(path, { append: true });
    await assert.rejects(
      withMailboxLock(path, file, () => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(await exists(`${path}.lock`), false);
    using other = await Deno.open(path, { read: true });
    assert.equal(await other.tryLock(true), true);
  });
});

Deno.test("lock: a second locker waits for the first", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    using first = await Deno.open(path, { append: true });
    using second = await Deno.open(path, { append: true });
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((done) => release = done);
    const one = withMailboxLock(path, first, async () => {
      order.push("first in");
      await held;
      order.push("first out");
    });
    let waits = 0;
    const two = withMailboxLock(path, second, () => {
      order.push("second in");
      return Promise.resolve();
    }, {
      attempts: 1000,
      sleep: () => {
        if (++waits === 3) release();
        return new Promise((done) => setTimeout(done, 0));
      },
    });
    await Promise.all([one, two]);
    assert.deepEqual(order, ["first in", "first out", "second in"]);
  });
});

Deno.test("lock: a dotlock that cannot be created is a temporary failure", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    // A directory in the way of the lock file's parent: ENOTDIR.
    const inside = join(path, "x");
    using file = await Deno.open(path, { append: true });
    const error = await withMailboxLock(inside, file, () => Promise.resolve())
      .then(() => assert.fail("locking should fail"), (e) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.2.0");
    assert.match(error.message, /^cannot lock mailbox ".*": cannot create /);
  });
});
