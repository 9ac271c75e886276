import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverToMbox } from "../../../../src/delivery/mailbox/mbox.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import {
  deliveryFailure,
  exists,
  testMessage,
  withTempDir,
} from "../test_message.ts";

const NOV_24 = new Date(1986, 10, 24, 18, 22, 48).getTime();
const noWait = { attempts: 3, sleep: () => Promise.resolve() };

Deno.test("mbox: the file holds From line, headers, quoted body, blank line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await deliverToMbox(
      path,
      testMessage({ content: "Subject: hi\n\nFrom me\n>From you\nbye" }),
      { clock: () => NOV_24 },
    );
    assert.equal(
      await Deno.readTextFile(path),
      "From alice@example.org Mon Nov 24 18:22:48 1986\n" +
        "Return-Path: <alice@example.org>\n" +
        "Delivered-To: bob@mx.example.org\n" +
        "Subject: hi\n\n>From me\n>>From you\nbye\n\n",
    );
  });
});

Deno.test("mbox: a new mailbox is created with mode 0600 and appended to", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await deliverToMbox(path, testMessage({ content: "one\n" }));
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await deliverToMbox(path, testMessage({ content: "two\n" }));
    const text = await Deno.readTextFile(path);
    assert.match(text, /^From alice@example\.org .*\n[^]*one\n\nFrom alice/);
    assert.ok(text.endsWith("two\n\n"));
    assert.equal(await exists(`${path}.lock`), false);
  });
});

Deno.test("mbox: the null sender's From line says MAILER-DAEMON", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await deliverToMbox(path, testMessage({ sender: "" }), {
      clock: () => NOV_24,
    });
    assert.match(
      await Deno.readTextFile(path),
      /^From MAILER-DAEMON Mon Nov 24 18:22:48 1986\nReturn-Path: <>\n/,
    );
  });
});

Deno.test("mbox: a held dotlock defers after the bounded wait", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    await Deno.writeTextFile(`${path}.lock`, "");
    const waits: number[] = [];
    const error = await deliveryFailure(deliverToMbox(path, testMessage(), {
      lock: {
        attempts: 4,
        delay: 10,
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    }));
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.2.0");
    assert.match(error.message, /^cannot lock mailbox ".*\/bob": /);
    assert.equal(waits.length, 3);
    for (const ms of waits) assert.ok(ms >= 5 && ms <= 15, String(ms));
    assert.equal(await Deno.readTextFile(path), "");
    assert.equal(await exists(`${path}.lock`), true, "not ours to remove");
  });
});

Deno.test("mbox: a stale dotlock is broken", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(`${path}.lock`, "");
    await deliverToMbox(path, testMessage(), {
      lock: { ...noWait, clock: () => Date.now() + 501_000 },
    });
    assert.match(await Deno.readTextFile(path), /Hello\.\n\n$/);
    assert.equal(await exists(`${path}.lock`), false);
  });
});

Deno.test("mbox: a dotlock younger than stale_lock_time is respected", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(`${path}.lock`, "");
    const error = await deliveryFailure(deliverToMbox(path, testMessage(), {
      lock: { ...noWait, clock: () => Date.now() + 499_000 },
    }));
    assert.equal(error.dsn, "4.2.0");
    assert.equal(await exists(path), true);
    assert.equal(await Deno.readTextFile(path), "");
  });
});

Deno.test("mbox: a kernel lock held elsewhere defers", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "old\n");
    using holder = await Deno.open(path, { read: true, write: true });
    await holder.lock(true);
    const error = await deliveryFailure(
      deliverToMbox(path, testMessage(), { lock: noWait }),
    );
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.2.0");
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.equal(await exists(`${path}.lock`), false, "dotlock released");
  });
});

Deno.test("mbox: a symbolic link is refused, permanently", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "elsewhere");
    await Deno.writeTextFile(target, "");
    const path = join(dir, "bob");
    await Deno.symlink(target, path);
    const error = await deliveryFailure(deliverToMbox(path, testMessage()));
    assert.equal(error.temporary, false);
    assert.equal(error.dsn, "5.2.0");
    assert.match(error.message, /symbolic link/);
    assert.equal(await Deno.readTextFile(target), "");
  });
});

Deno.test("mbox: a file with several hard links is refused", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.writeTextFile(path, "");
    await Deno.link(path, join(dir, "other"));
    const error = await deliveryFailure(deliverToMbox(path, testMessage()));
    assert.equal(error.dsn, "5.2.0");
    assert.match(error.message, /2 hard links/);
  });
});

Deno.test("mbox: a directory in the mailbox's place bounces", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bob");
    await Deno.mkdir(path);
    const error = await deliveryFailure(deliverToMbox(path, testMessage()));
    assert.equal(error.temporary, false);
    assert.equal(error.dsn, "5.2.0");
  });
});

Deno.test("mbox: a missing parent directory defers", async () => {
  await withTempDir(async (dir) => {
    const error = await deliveryFailure(
      deliverToMbox(join(dir, "no", "bob"), testMessage()),
    );
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.2.0");
  });
});

Deno.test({
  name: "mbox: a new mailbox belongs to the owner given",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "bob");
      await deliverToMbox(path, testMessage(), {
        owner: { uid: 4242, gid: 4343 },
      });
      const info = await Deno.stat(path);
      assert.equal(info.uid, 4242);
      assert.equal(info.gid, 4343);
    });
  },
});

Deno.test("mbox: a mailbox replaced while delivery waited for its lock defers, writing nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "box");
    await Deno.writeTextFile(
      path,
      "From a@b Mon Jan  1 00:00:00 2024\n\nold\n\n",
    );
    await Deno.writeTextFile(`${path}.lock`, "4242");
    let waits = 0;
    const delivery = deliverToMbox(path, testMessage({ content: "new\n" }), {
      lock: {
        attempts: 5,
        delay: 1,
        // The lock's holder (pid 4242) runs.
        processAlive: () => Promise.resolve(true),
        // While delivery waits, a POP3 QUIT renames a rewritten mbox in
        // place and drops its dotlock.
        sleep: async () => {
          if (++waits === 1) {
            await Deno.writeTextFile(`${path}.new`, "");
            await Deno.rename(`${path}.new`, path);
            await Deno.remove(`${path}.lock`);
          }
        },
      },
    });
    const error = await delivery.then(() => undefined, (e) => e);
    assert.ok(error instanceof DeliveryError, String(error));
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.2.0");
    assert.equal(
      await Deno.readTextFile(path),
      "",
      "the new mailbox was written",
    );
  });
});
