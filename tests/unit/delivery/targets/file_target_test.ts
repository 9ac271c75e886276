import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deliverToFile,
  type FileDeliveryOptions,
  fileWriterError,
} from "../../../../src/delivery/targets/file_target.ts";
import { asctime } from "../../../../src/delivery/mailbox/mbox_from_line.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import { exists, NOBODY, testMessage, withTempDir } from "../test_message.ts";

const TIME = 1_700_000_000_000;

/** Options for a direct write as ourselves (the unprivileged case). */
function direct(
  overrides: Partial<FileDeliveryOptions> = {},
): FileDeliveryOptions {
  return {
    hostname: "mx.example.org",
    clock: () => TIME,
    uid: 1000,
    lock: { attempts: 1, sleep: () => Promise.resolve() },
    ...overrides,
  };
}

/** Options for a root delivery as `nobody`, through deliver-file. */
function asNobody(
  overrides: Partial<FileDeliveryOptions> = {},
): FileDeliveryOptions {
  return { hostname: "mx.example.org", privileges: NOBODY, ...overrides };
}

/** A writer that must never be started. */
const NO_CHILD = () => ({ command: "/nonexistent/mailsrv", args: [] });

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, String(error));
    return error;
  }
  assert.fail("expected a DeliveryError");
}

async function maildirFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(dir, "new"))) {
    names.push(entry.name);
  }
  return names;
}

const CONTENT = "Subject: hi\n\nFrom the list\n";
const MBOX_ENTRY = `From alice@example.org ${asctime(TIME)}\n` +
  "Return-Path: <alice@example.org>\nDelivered-To: bob@mx.example.org\n" +
  "Subject: hi\n\n>From the list\n\n";

Deno.test("file: /dev/null succeeds without writing or a writer", async () => {
  await deliverToFile("/dev/null", testMessage(), direct());
  await deliverToFile(
    "/dev/null",
    testMessage(),
    direct({ uid: 0, privileges: NOBODY, self: NO_CHILD }),
  );
});

Deno.test("file: a relative path bounces 5.3.5", async () => {
  const error = await rejection(
    deliverToFile("mail/archive", testMessage(), direct()),
  );
  assert.equal(error.temporary, false);
  assert.equal(error.dsn, "5.3.5");
});

Deno.test("file: appends to an mbox file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "archive");
    const message = testMessage({ content: CONTENT });
    await deliverToFile(path, message, direct());
    await deliverToFile(path, message, direct());
    assert.equal(await Deno.readTextFile(path), MBOX_ENTRY + MBOX_ENTRY);
  });
});

Deno.test("file: a trailing slash is a Maildir", async () => {
  await withTempDir(async (dir) => {
    const maildir = join(dir, "Maildir") + "/";
    await deliverToFile(
      maildir,
      testMessage({ content: CONTENT }),
      direct(),
    );
    const [name] = await maildirFiles(maildir);
    assert.equal(
      await Deno.readTextFile(join(maildir, "new", name)),
      "Return-Path: <alice@example.org>\nDelivered-To: bob@mx.example.org\n" +
        CONTENT,
    );
  });
});

Deno.test("file: the writer's status line carries the outcome", () => {
  const quota = fileWriterError(
    "/m",
    { code: 75 },
    'warning: removed stale lock\n4.2.2 cannot update mailbox "/m": quota\n',
  );
  assert.equal(quota?.dsn, "4.2.2");
  assert.equal(quota?.temporary, true);
  assert.equal(quota?.message, 'cannot update mailbox "/m": quota');
  // A line that disagrees with the exit status is not believed.
  const mixed = fileWriterError("/m", { code: 73 }, "4.2.0 odd\n");
  assert.equal(mixed?.dsn, "5.2.0");
  assert.equal(mixed?.temporary, false);
  assert.match(mixed?.message ?? "", /status 73 .*: 4\.2\.0 odd$/);
  const killed = fileWriterError("/m", { signal: "SIGKILL" }, "");
  assert.equal(killed?.temporary, true);
  assert.equal(killed?.dsn, "4.3.0");
  assert.equal(fileWriterError("/m", { code: 0 }, ""), undefined);
});

const root = Deno.uid() === 0;

Deno.test({
  name: "file: as root, the mbox is written as the user",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const path = join(dir, "archive");
      await deliverToFile(path, testMessage({ content: CONTENT }), asNobody());
      const info = await Deno.stat(path);
      assert.equal(info.uid, 65534);
      assert.equal(info.gid, 65534);
      assert.equal(info.mode! & 0o777, 0o600);
      const text = await Deno.readTextFile(path);
      assert.match(text, /^From alice@example\.org /);
      assert.ok(text.endsWith(MBOX_ENTRY.slice(MBOX_ENTRY.indexOf("\n"))));
    });
  },
});

Deno.test({
  name: "file: as root, a Maildir is made by the user",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const maildir = join(dir, "Maildir") + "/";
      await deliverToFile(
        maildir,
        testMessage({ content: CONTENT }),
        asNobody(),
      );
      const [name] = await maildirFiles(maildir);
      for (
        const path of [
          maildir,
          join(maildir, "new"),
          join(maildir, "new", name),
        ]
      ) {
        assert.equal((await Deno.stat(path)).uid, 65534, path);
      }
    });
  },
});

Deno.test({
  name: "file: as root, what the user cannot write is not written",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      // dir is 0700 root: nobody may not create anything in it.
      const path = join(dir, "archive");
      const denied = await rejection(
        deliverToFile(path, testMessage(), asNobody()),
      );
      assert.equal(denied.temporary, true);
      assert.equal(denied.dsn, "4.2.0");
      assert.match(denied.message, /Permission denied/);
      assert.equal(await exists(path), false);
      // A root-owned file the user may read but not write stays as it was.
      await Deno.chmod(dir, 0o755);
      await Deno.writeTextFile(path, "root's\n", { mode: 0o644 });
      await rejection(deliverToFile(path, testMessage(), asNobody()));
      assert.equal(await Deno.readTextFile(path), "root's\n");
    });
  },
});

Deno.test({
  name: "file: as root, a permanent failure bounces with its status",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const plain = join(dir, "plain");
      await Deno.writeTextFile(plain, "");
      await Deno.chmod(plain, 0o666);
      const error = await rejection(
        deliverToFile(join(plain, "mbox"), testMessage(), asNobody()),
      );
      assert.equal(error.temporary, false);
      assert.equal(error.dsn, "5.2.0");
      assert.match(error.message, /^cannot update mailbox ".*\/plain\/mbox"/);
    });
  },
});

Deno.test({
  name: "file: as root, never writes as root",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      const path = join(dir, "archive");
      for (
        const privileges of [{ ...NOBODY, user: "root", uid: 0 }, undefined]
      ) {
        const error = await rejection(
          deliverToFile(path, testMessage(), asNobody({ privileges })),
        );
        assert.equal(error.temporary, true);
        assert.match(error.message, /^refusing to deliver as root/);
      }
      assert.equal(await exists(path), false);
    });
  },
});
