import assert from "node:assert/strict";
import { mailboxLocation } from "../../../../src/delivery/local/mailbox_location.ts";

const bob = { name: "bob", uid: 1001, gid: 100, home: "/home/bob", shell: "" };

Deno.test("mailboxLocation: home_mailbox for system users", () => {
  assert.deepEqual(
    mailboxLocation("bob", bob, {
      home_mailbox: "Maildir/",
      mail_spool_directory: "/var/mail",
    }),
    { format: "maildir", path: "/home/bob/Maildir" },
  );
  assert.deepEqual(
    mailboxLocation("bob", bob, {
      home_mailbox: "Mailbox",
      mail_spool_directory: "/var/mail/",
    }),
    { format: "mbox", path: "/home/bob/Mailbox" },
  );
});

Deno.test("mailboxLocation: the spool for everyone else", () => {
  const cases = [
    ["bob", bob, "", "/var/mail", "mbox"],
    ["bob", bob, "", "/var/mail/", "maildir"],
    ["carol", undefined, "Maildir/", "/var/mail", "mbox"],
    ["carol", undefined, "Maildir/", "/var/spool/mail/", "maildir"],
  ] as const;
  for (const [user, account, home_mailbox, spool, format] of cases) {
    const location = mailboxLocation(user, account, {
      home_mailbox,
      mail_spool_directory: spool,
    });
    assert.deepEqual(location, {
      format,
      path: `${spool.replace(/\/$/, "")}/${user}`,
      spoolDirectory: spool,
    });
  }
});

Deno.test("mailboxLocation: a name that would leave the spool throws", () => {
  const config = { home_mailbox: "", mail_spool_directory: "/var/mail/" };
  for (const name of ["..", "../etc", "a/b", "."]) {
    assert.throws(() => mailboxLocation(name, undefined, config), /unsafe/);
  }
});
