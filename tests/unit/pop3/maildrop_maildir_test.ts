/**
 * Maildir maildrops: snapshot order, UIDL stability, sizes, RETR after a
 * move, deletion at QUIT, and one session at a time.
 */
import assert from "node:assert/strict";
import { readMessage } from "./fake_pop3_deps.ts";
import { join } from "node:path";
import {
  maildirUidl,
  openMaildirMaildrop,
  parseMaildirName,
} from "../../../src/pop3/maildrop_maildir.ts";
import { type Maildrop, MaildropBusyError } from "../../../src/pop3/types.ts";
import { havePython } from "../delivery/python_mailbox.ts";
import { exists, withTempDir } from "../delivery/test_message.ts";
import { scanned } from "./scanned.ts";

const LOCK = { refreshEvery: 0 };

/** Creates a Maildir holding `files` ("new/name" → content). */
async function maildir(
  dir: string,
  files: Record<string, string>,
): Promise<string> {
  const path = join(dir, "Maildir");
  for (const sub of ["tmp", "new", "cur"]) {
    await Deno.mkdir(join(path, sub), { recursive: true });
  }
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(join(path, name), content);
  }
  return path;
}

async function text(maildrop: Maildrop, index: number): Promise<string> {
  await maildrop.scan();
  return readMessage(maildrop.retrieve(index));
}

const FILES = {
  "new/1700000002.M500P1Q3.host,S=14": "Subject: c\n\nc\n",
  "cur/1700000001.M900P1Q1.host,S=14:2,S": "Subject: a\n\na\n",
  "new/1700000002.M100P1Q2.host": "Subject: b\r\n\r\nb\r\n",
  "cur/1700000003.M0P1Q4.host,S=14,W=999:2,": "Subject: d\n\nd\n",
  "tmp/1700000000.M0P1Q0.host": "not yet delivered",
  "new/.hidden": "not a message",
};

/** Opens a Maildir holding `files` for `check`, and releases it after. */
async function withMaildrop(
  files: Record<string, string>,
  check: (maildrop: Maildrop) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const maildrop = await openMaildirMaildrop(await maildir(dir, files), {
      lock: LOCK,
    });
    try {
      await check(maildrop);
    } finally {
      await maildrop.release();
    }
  });
}

Deno.test("snapshot: new/ and cur/ oldest first, UIDL is the unique name", async () => {
  await withMaildrop(FILES, async (maildrop) => {
    assert.deepEqual((await scanned(maildrop)).map((m) => m.uidl), [
      "1700000001.M900P1Q1.host",
      "1700000002.M100P1Q2.host",
      "1700000002.M500P1Q3.host",
      "1700000003.M0P1Q4.host",
    ]);
    assert.equal(await text(maildrop, 0), "Subject: a\n\na\n");
    assert.equal(await text(maildrop, 1), "Subject: b\r\n\r\nb\r\n");
  });
});

Deno.test("a unique name in both new/ and cur/: the later file's UIDL gets .2", async () => {
  const files = {
    "new/1700000005.M1P1Q1.host,S=14": "Subject: n\n\nn\n",
    "cur/1700000005.M1P1Q1.host,S=14:2,S": "Subject: c\n\nc\n",
    "new/1700000004.M0P1Q0.host": "Subject: o\n\no\n",
  };
  await withMaildrop(files, async (maildrop) => {
    // Equal times sort by name: the cur/ file's `:2,S` comes after.
    assert.deepEqual((await scanned(maildrop)).map((m) => m.uidl), [
      "1700000004.M0P1Q0.host",
      "1700000005.M1P1Q1.host",
      "1700000005.M1P1Q1.host.2",
    ]);
    assert.equal(await text(maildrop, 1), "Subject: n\n\nn\n");
    assert.equal(await text(maildrop, 2), "Subject: c\n\nc\n");
  });
});

Deno.test("sizes count LF as CRLF, keep CRLF, and trust ,W=", async () => {
  await withTempDir(async (dir) => {
    const cache = new Map<string, number>();
    const maildrop = await openMaildirMaildrop(await maildir(dir, FILES), {
      lock: LOCK,
      sizeCache: cache,
    });
    const messages = await scanned(maildrop);
    await maildrop.release();
    assert.deepEqual(messages.map((m) => m.size), [17, 17, 17, 999]);
    assert.equal(cache.get("1700000001.M900P1Q1.host,S=14"), 17);
  });
});

Deno.test("UIDLs survive flag changes and the move from new/ to cur/", async () => {
  await withTempDir(async (dir) => {
    const path = await maildir(dir, FILES);
    const first = await openMaildirMaildrop(path, { lock: LOCK });
    const before = await scanned(first);
    await first.release();
    await Deno.rename(
      join(path, "new/1700000002.M500P1Q3.host,S=14"),
      join(path, "cur/1700000002.M500P1Q3.host,S=14:2,S"),
    );
    await Deno.rename(
      join(path, "cur/1700000001.M900P1Q1.host,S=14:2,S"),
      join(path, "cur/1700000001.M900P1Q1.host,S=14:2,RS"),
    );
    const second = await openMaildirMaildrop(path, { lock: LOCK });
    const after = await scanned(second);
    await second.release();
    assert.deepEqual(after, before);
  });
});

Deno.test("RETR and DELE follow a message another client moved meanwhile", async () => {
  await withTempDir(async (dir) => {
    const path = await maildir(dir, FILES);
    const maildrop = await openMaildirMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    await Deno.rename(
      join(path, "new/1700000002.M500P1Q3.host,S=14"),
      join(path, "cur/1700000002.M500P1Q3.host,S=14:2,S"),
    );
    assert.equal(await text(maildrop, 2), "Subject: c\n\nc\n");
    await maildrop.commit(new Set([2]));
    assert.ok(
      !await exists(join(path, "cur/1700000002.M500P1Q3.host,S=14:2,S")),
    );
  });
});

Deno.test("QUIT deletes exactly the marked files and unlocks", async () => {
  await withTempDir(async (dir) => {
    const path = await maildir(dir, FILES);
    const maildrop = await openMaildirMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    // A message already gone (another client deleted it) is fine.
    await Deno.remove(join(path, "cur/1700000003.M0P1Q4.host,S=14,W=999:2,"));
    await maildrop.commit(new Set([0, 3]));
    const left = [
      ...Deno.readDirSync(join(path, "new")),
      ...Deno.readDirSync(join(path, "cur")),
    ].map((e) => e.name).sort();
    assert.deepEqual(left, [
      ".hidden",
      "1700000002.M100P1Q2.host",
      "1700000002.M500P1Q3.host,S=14",
    ]);
    assert.ok(!await exists(join(path, ".mailsrv-pop3.lock")));
    assert.throws(() => maildrop.retrieve(1), /closed/);
  });
});

Deno.test("one POP3 session per Maildir: the second is busy", async () => {
  await withTempDir(async (dir) => {
    const path = await maildir(dir, FILES);
    const first = await openMaildirMaildrop(path, { lock: LOCK });
    await assert.rejects(
      () => openMaildirMaildrop(path, { lock: LOCK }),
      MaildropBusyError,
    );
    await first.release();
    const second = await openMaildirMaildrop(path, { lock: LOCK });
    await second.release();
  });
});

Deno.test("a Maildir written by Python's mailbox module", async () => {
  if (!await havePython()) return;
  await withTempDir(async (dir) => {
    const path = join(dir, "Maildir");
    const script = `
import mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=True)
for body in ["Subject: one\\n\\n1\\n", "Subject: two\\n\\n2\\n"]:
    box.add(mailbox.MaildirMessage(body))
`;
    const { success } = await new Deno.Command("python3", {
      args: ["-c", script, path],
    }).output();
    assert.ok(success);
    const maildrop = await openMaildirMaildrop(path, { lock: LOCK });
    await maildrop.scan();
    try {
      const names = [...Deno.readDirSync(join(path, "new"))].map((e) => e.name);
      assert.deepEqual(
        [...(await scanned(maildrop)).map((m) => m.uidl)].sort(),
        names.map((n) => n.split(":")[0]).sort(),
      );
      const bodies = [await text(maildrop, 0), await text(maildrop, 1)].sort();
      assert.deepEqual(bodies, ["Subject: one\n\n1\n", "Subject: two\n\n2\n"]);
      // 16 bytes and three LFs each.
      assert.deepEqual((await scanned(maildrop)).map((m) => m.size), [19, 19]);
    } finally {
      await maildrop.release();
    }
  });
});

Deno.test("file names: unique part, time, sizes; odd names get an MD5 UIDL", () => {
  assert.deepEqual(parseMaildirName("1700000001.M42P7Q1.h,S=12,W=13:2,RS"), {
    unique: "1700000001.M42P7Q1.h",
    seconds: 1700000001,
    micros: 42,
    fileSize: 12,
    wireSize: 13,
  });
  assert.equal(parseMaildirName("1234.5678_9.host").seconds, 1234);
  assert.equal(maildirUidl("1234.5678_9.host"), "1234.5678_9.host");
  assert.match(maildirUidl("x".repeat(71)), /^[0-9a-f]{32}$/);
  assert.match(maildirUidl("has space"), /^[0-9a-f]{32}$/);
});

Deno.test("a missing Maildir is NotFound (the opener makes it empty)", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => openMaildirMaildrop(join(dir, "none"), { lock: LOCK }),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("opening only locks: the snapshot is taken at the first scan and kept", async () => {
  await withTempDir(async (dir) => {
    const path = await maildir(dir, {});
    const maildrop = await openMaildirMaildrop(path, { lock: LOCK });
    try {
      assert.ok(await exists(join(path, ".mailsrv-pop3.lock")));
      await Deno.writeTextFile(join(path, "new/1700000005.M1P1Q1.host"), "x\n");
      assert.deepEqual(await scanned(maildrop), [
        { uidl: "1700000005.M1P1Q1.host", size: 3 },
      ]);
      await Deno.writeTextFile(join(path, "new/1700000006.M1P1Q1.host"), "y\n");
      assert.equal((await scanned(maildrop)).length, 1);
      assert.equal(await text(maildrop, 0), "x\n");
    } finally {
      await maildrop.release();
    }
  });
});
