/**
 * mbox maildrops: snapshot, RETR streams, QUIT rewrite, crash leftovers,
 * and the session lock against other sessions and mailsrv's delivery.
 * Python's `mailbox` module writes and reads the mboxes independently.
 */
import assert from "node:assert/strict";
import { readMessage } from "./fake_pop3_deps.ts";
import { join } from "node:path";
import { deliverToMbox } from "../../../src/delivery/mailbox/mbox.ts";
import { DeliveryError } from "../../../src/delivery/types.ts";
import { openMboxMaildrop } from "../../../src/pop3/maildrop_mbox.ts";
import { scanMbox } from "../../../src/pop3/mbox_scan.ts";
import { type Maildrop, MaildropBusyError } from "../../../src/pop3/types.ts";
import { havePython, readWithPython } from "../delivery/python_mailbox.ts";
import { exists, testMessage, withTempDir } from "../delivery/test_message.ts";
import { scanned } from "./scanned.ts";

const F = "From a@example.org Mon Jan  1 00:00:00 2001\n";
const decoder = new TextDecoder();
/** Keeps test sessions from starting lock-refresh timers. */
const LOCK = { refreshEvery: 0 };

const THREE = F + "Subject: one\n\nFirst.\n\n" +
  F + "Subject: two\n\nBody.\nFrom after text is no separator\n" +
  ">From quoted\nSecond.\n\n" +
  F + "Subject: three\n\nThird.\n\n";

async function text(maildrop: Maildrop, index: number): Promise<string> {
  await maildrop.scan();
  return readMessage(maildrop.retrieve(index));
}

/** Writes an mbox with Python's mailbox module (mboxo quoting). */
async function writeWithPython(path: string, bodies: string[]): Promise<void> {
  const script = `
import mailbox, sys, json
box = mailbox.mbox(sys.argv[1])
for body in json.loads(sys.argv[2]):
    box.add(mailbox.mboxMessage(body))
box.flush()
box.close()
`;
  const { success, stderr } = await new Deno.Command("python3", {
    args: ["-c", script, path, JSON.stringify(bodies)],
  }).output();
  assert.ok(success, decoder.decode(stderr));
}

Deno.test("snapshot and RETR: messages without their From lines, as stored", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    try {
      assert.equal((await scanned(maildrop)).length, 3);
      assert.equal(await text(maildrop, 0), "Subject: one\n\nFirst.\n\n");
      assert.equal(await text(maildrop, 2), "Subject: three\n\nThird.\n\n");
      const second = await text(maildrop, 1);
      assert.ok(second.includes(">From quoted\n"));
      assert.equal(
        (await scanned(maildrop))[1].size,
        new TextEncoder().encode(second).length + second.split("\n").length -
          1,
      );
      assert.throws(() => maildrop.retrieve(3), RangeError);
    } finally {
      await maildrop.release();
    }
  });
});

Deno.test("a Python-written mbox: same messages, and RETR matches Python's reading", async () => {
  if (!await havePython()) return;
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const bodies = [
      "Subject: a\n\nFrom the start of a body line\n",
      "Subject: b\n\nline\n",
      "Subject: c\n\n.dot line\n",
    ];
    await writeWithPython(path, bodies);
    const python = await readWithPython("mbox", path);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    try {
      assert.equal((await scanned(maildrop)).length, python.length);
      for (let i = 0; i < python.length; i++) {
        // Python leaves out the empty line before the next separator.
        const ours = await text(maildrop, i);
        const theirs = decoder.decode(python[i].bytes);
        assert.ok(ours === theirs || ours === theirs + "\n", `message ${i}`);
      }
    } finally {
      await maildrop.release();
    }
  });
});

Deno.test("QUIT removes exactly the deleted messages; the rest stay byte for byte", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    const original = "preamble kept\n\n" + THREE;
    await Deno.writeTextFile(path, original);
    await Deno.chmod(path, 0o640);
    const before = await scanMbox([await Deno.readFile(path)]);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    await maildrop.commit(new Set([1]));
    const after = await Deno.readTextFile(path);
    const [one, , three] = before.messages;
    assert.equal(
      after,
      original.slice(0, one.end) + original.slice(three.separatorOffset),
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    assert.ok(!await exists(`${path}.lock`));
    assert.ok(!await exists(`${path}.mailsrv-tmp`));
    // UIDLs of the kept messages do not change.
    const again = await openMboxMaildrop(path, { lock: LOCK });
    assert.deepEqual((await scanned(again)).map((m) => m.uidl), [
      one.uidl,
      three.uidl,
    ]);
    await again.release();
    if (await havePython()) {
      const python = await readWithPython("mbox", path);
      assert.equal(python.length, 2);
    }
  });
});

Deno.test("QUIT deleting everything leaves an empty mbox; nothing deleted means no rewrite", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const inode = (await Deno.stat(path)).ino;
    const untouched = await openMboxMaildrop(path, { lock: LOCK });
    await untouched.scan();
    await untouched.commit(new Set());
    assert.equal((await Deno.stat(path)).ino, inode);
    assert.equal(await Deno.readTextFile(path), THREE);
    const all = await openMboxMaildrop(path, { lock: LOCK });
    await all.scan();
    await all.commit(new Set([0, 1, 2]));
    assert.equal(await Deno.readTextFile(path), "");
  });
});

Deno.test("mail appended after the snapshot survives QUIT", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    const late = F + "Subject: late\n\nLate.\n\n";
    await Deno.writeTextFile(path, late, { append: true });
    await maildrop.commit(new Set([0]));
    assert.ok((await Deno.readTextFile(path)).endsWith(late));
  });
});

Deno.test("a tmp file left by a crash is removed at the next open; the mbox is whole", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    await Deno.writeTextFile(`${path}.mailsrv-tmp`, F + "half a rewr");
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    assert.equal((await scanned(maildrop)).length, 3);
    assert.ok(!await exists(`${path}.mailsrv-tmp`));
    await maildrop.release();
    assert.equal(await Deno.readTextFile(path), THREE);
  });
});

Deno.test("a second session is refused while the first holds the lock", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const first = await openMboxMaildrop(path, { lock: LOCK });
    assert.equal(
      (await Deno.readTextFile(`${path}.lock`)).split("\n")[0],
      String(Deno.pid),
    );
    await assert.rejects(
      () => openMboxMaildrop(path, { lock: LOCK }),
      MaildropBusyError,
    );
    await first.release();
    await first.release();
    const second = await openMboxMaildrop(path, { lock: LOCK });
    await second.release();
  });
});

Deno.test("a dotlock held by another program (vm-pop3d, Postfix) makes the maildrop busy", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    await Deno.writeTextFile(`${path}.lock`, "");
    await assert.rejects(
      () => openMboxMaildrop(path, { lock: LOCK }),
      MaildropBusyError,
    );
    assert.ok(await exists(`${path}.lock`));
  });
});

Deno.test("a lock taken by a delivery (flock) makes the maildrop busy", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const other = await Deno.open(path, { read: true });
    try {
      await other.lock(true);
      await assert.rejects(
        () => openMboxMaildrop(path, { lock: LOCK }),
        MaildropBusyError,
      );
      assert.ok(!await exists(`${path}.lock`));
    } finally {
      other.close();
    }
  });
});

Deno.test("mailsrv's delivery defers while a session holds the mbox, then delivers", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    const quick = { attempts: 2, delay: 1, sleep: () => Promise.resolve() };
    const error = await deliverToMbox(path, testMessage(), { lock: quick })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.temporary, true);
    await maildrop.commit(new Set([0]));
    await deliverToMbox(path, testMessage(), { lock: quick });
    const after = await openMboxMaildrop(path, { lock: LOCK });
    assert.equal((await scanned(after)).length, 3);
    assert.match(await text(after, 2), /Hello\./);
    await after.release();
  });
});

Deno.test("QUIT writes nothing when the dotlock was broken by someone else", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(path, THREE);
    const maildrop = await openMboxMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    await Deno.remove(`${path}.lock`);
    await Deno.writeTextFile(`${path}.lock`, "");
    await assert.rejects(() => maildrop.commit(new Set([0])), /Lost the lock/);
    assert.equal(await Deno.readTextFile(path), THREE);
    // The other holder's lock is left alone.
    assert.ok(await exists(`${path}.lock`));
  });
});

Deno.test("a missing mbox is NotFound (the opener makes it an empty maildrop)", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => openMboxMaildrop(join(dir, "none"), { lock: LOCK }),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("a symbolic link is not opened as a mailbox", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox");
    await Deno.writeTextFile(join(dir, "real"), THREE);
    await Deno.symlink(join(dir, "real"), path);
    await assert.rejects(
      () => openMboxMaildrop(path, { lock: LOCK }),
      /not a regular file/,
    );
  });
});
