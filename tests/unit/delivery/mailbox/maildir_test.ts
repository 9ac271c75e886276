import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deliverToMaildir,
  maildirHostname,
  maildirUniqueName,
} from "../../../../src/delivery/mailbox/maildir.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import { testMessage, withTempDir } from "../test_message.ts";

async function names(dir: string): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of Deno.readDir(dir)) result.push(entry.name);
  return result.sort();
}

Deno.test("maildir: host names escape / and :", () => {
  assert.equal(maildirHostname("a/b:c.example"), "a\\057b\\072c.example");
});

Deno.test("maildir: unique names carry seconds, microseconds, pid, counter", () => {
  const first = maildirUniqueName(1_700_000_000_123.456, "mx");
  const second = maildirUniqueName(1_700_000_000_123.456, "mx");
  const pattern = new RegExp(
    `^1700000000\\.M123456P${Deno.pid}Q(\\d+)\\.mx$`,
  );
  const a = Number(pattern.exec(first)?.[1]);
  const b = Number(pattern.exec(second)?.[1]);
  assert.ok(a > 0, first);
  assert.equal(b, a + 1);
});

Deno.test("maildir: creates tmp, new, cur with mode 0700 and files 0600", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "home", "Maildir");
    const name = await deliverToMaildir(box, testMessage(), {
      hostname: "mx:1",
    });
    for (const sub of ["", "tmp", "new", "cur"]) {
      const info = await Deno.stat(join(box, sub));
      assert.ok(info.isDirectory);
      assert.equal(info.mode! & 0o777, 0o700, sub);
    }
    assert.deepEqual(await names(join(box, "new")), [name]);
    assert.deepEqual(await names(join(box, "tmp")), []);
    assert.equal(
      (await Deno.stat(join(box, "new", name))).mode! & 0o777,
      0o600,
    );
    assert.match(name, /\.mx\\0721,S=\d+,W=\d+$/);
  });
});

Deno.test("maildir: S= is the size of the stored file, W= its size with CRLF line ends", async () => {
  await withTempDir(async (dir) => {
    const name = await deliverToMaildir(
      dir,
      // Chunks split a CRLF: it counts once, the bare LFs twice.
      testMessage({ content: ["Subject: x\r", "\n\n", "caf\u00e9\n"] }),
      { hostname: "mx" },
    );
    const path = join(dir, "new", name);
    const size = (await Deno.stat(path)).size;
    const fields = /,S=(\d+),W=(\d+)$/.exec(name);
    assert.ok(fields, name);
    assert.equal(fields[1], String(size));
    const text = await Deno.readTextFile(path);
    assert.equal(
      text,
      "Return-Path: <alice@example.org>\nDelivered-To: bob@mx.example.org\n" +
        "Subject: x\r\n\ncaf\u00e9\n",
    );
    const bareLineEnds = (text.match(/(?<!\r)\n/g) ?? []).length;
    assert.equal(bareLineEnds, 4);
    assert.equal(fields[2], String(size + bareLineEnds));
  });
});

Deno.test("maildir: a file where the Maildir belongs bounces", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "Maildir");
    await Deno.writeTextFile(box, "an mbox, not a Maildir");
    const error = await deliverToMaildir(box, testMessage(), {
      hostname: "mx",
    }).then(() => assert.fail("delivery should fail"), (e) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.temporary, false);
    assert.equal(error.dsn, "5.2.0");
    assert.match(error.message, /^cannot deliver to maildir ".*Maildir": /);
  });
});

Deno.test("maildir: a failing content stream leaves no file behind", async () => {
  await withTempDir(async (dir) => {
    const error = await deliverToMaildir(
      dir,
      testMessage({ content: ["Subject: x\n\n", "part"], failAtEnd: true }),
      { hostname: "mx" },
    ).then(() => assert.fail("delivery should fail"), (e) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.dsn, "4.3.0");
    assert.match(error.message, /^cannot read message 4Xq9Zk2mTb: /);
    assert.deepEqual(await names(join(dir, "tmp")), []);
    assert.deepEqual(await names(join(dir, "new")), []);
  });
});

Deno.test({
  name: "maildir: created directories and the file belong to the owner",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await withTempDir(async (dir) => {
      const box = join(dir, "Maildir");
      const owner = { uid: 4242, gid: 4343 };
      const name = await deliverToMaildir(box, testMessage(), {
        hostname: "mx",
        owner,
      });
      for (const path of [box, join(box, "tmp"), join(box, "new/" + name)]) {
        const info = await Deno.stat(path);
        assert.deepEqual([info.uid, info.gid], [4242, 4343], path);
      }
      const parent = await Deno.stat(dir);
      assert.equal(parent.uid, 0, "existing directories are left alone");
    });
  },
});

Deno.test("maildir: a Maildir removed after a delivery is made again by the next", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "Maildir");
    await deliverToMaildir(box, testMessage(), { hostname: "mx" });
    await Deno.remove(box, { recursive: true });
    const name = await deliverToMaildir(box, testMessage(), { hostname: "mx" });
    assert.deepEqual(await names(join(box, "new")), [name]);
    assert.deepEqual(await names(join(box, "tmp")), []);
    assert.ok((await Deno.stat(join(box, "cur"))).isDirectory);
  });
});
