import assert from "node:assert/strict";
import { reservedMailboxName } from "../../../src/layout/mod.ts";

Deno.test("reserved names: passwd, lock and temporary files, . and .., Maildir folders", () => {
  assert.match(
    reservedMailboxName("passwd", "virtual")!,
    /"passwd" is reserved: .*POP3 password file/,
  );
  assert.match(
    reservedMailboxName("alice.lock", "virtual")!,
    /lock file of mailbox "alice"/,
  );
  assert.match(
    reservedMailboxName("alice.mailsrv-tmp", "local")!,
    /temporary copy of mailbox "alice"/,
  );
  assert.match(reservedMailboxName("..", "file")!, /names a directory/);
  assert.match(reservedMailboxName(".", "virtual")!, /names a directory/);
  for (const folder of ["tmp", "new", "cur"]) {
    assert.match(
      reservedMailboxName(folder, "virtual")!,
      /Maildir's own folders/,
    );
    assert.equal(reservedMailboxName(folder, "local"), undefined);
  }
});

Deno.test("reserved names: file targets keep only the lock rules; ordinary names pass", () => {
  assert.equal(reservedMailboxName("passwd", "file"), undefined);
  assert.match(reservedMailboxName("x.lock", "file")!, /lock file/);
  for (const name of [".forward", ".forward+list"]) {
    assert.match(reservedMailboxName(name, "file")!, /\.forward file/);
  }
  for (const name of ["alice", "passwd2", "lockbox", "news", "bob.locked"]) {
    assert.equal(reservedMailboxName(name, "virtual"), undefined, name);
  }
});
