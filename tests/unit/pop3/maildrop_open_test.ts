/**
 * `createMaildropOpener`: picks the format; a missing mailbox is empty.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createMaildropOpener } from "../../../src/pop3/open_maildrop.ts";
import type { MailboxPath, Pop3Account } from "../../../src/pop3/types.ts";
import { withTempDir } from "../delivery/test_message.ts";
import { scanned } from "./scanned.ts";

function account(mailbox: MailboxPath): Pop3Account {
  return {
    login: "bob@example.org",
    user: "bob",
    domain: "example.org",
    mailbox,
  };
}

const open = createMaildropOpener({ lock: { refreshEvery: 0 } });

Deno.test("a missing mbox or Maildir is an empty maildrop", async () => {
  await withTempDir(async (dir) => {
    for (const format of ["mbox", "maildir"] as const) {
      const maildrop = await open(account({ format, path: join(dir, "none") }));
      assert.deepEqual(await scanned(maildrop), []);
      assert.throws(() => maildrop.retrieve(0), RangeError);
      await maildrop.commit(new Set());
      await maildrop.release();
    }
  });
});

Deno.test("the account's format decides how the mailbox is read", async () => {
  await withTempDir(async (dir) => {
    const mbox = join(dir, "bob");
    await Deno.writeTextFile(
      mbox,
      "From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\nx\n\n",
    );
    const fromMbox = await open(account({ format: "mbox", path: mbox }));
    assert.equal((await scanned(fromMbox)).length, 1);
    assert.match((await scanned(fromMbox))[0].uidl, /^[0-9a-f]{32}$/);
    await fromMbox.release();

    const maildir = join(dir, "Maildir");
    await Deno.mkdir(join(maildir, "new"), { recursive: true });
    await Deno.writeTextFile(join(maildir, "new", "1.M1P1Q1.h"), "x\n");
    const fromMaildir = await open(
      account({ format: "maildir", path: maildir }),
    );
    assert.deepEqual(await scanned(fromMaildir), [{
      uidl: "1.M1P1Q1.h",
      size: 3,
    }]);
    await fromMaildir.release();
  });
});
