/**
 * Issue 8 at the delivery side: whatever the tables say, mail is not
 * written to a password file, a table or the queue. Virtual mailboxes,
 * local mailboxes and file targets defer (4.3.5) with the reason; smtpd's
 * recipient check answers 451 4.3.0 (or 550 5.1.1 for a reserved name).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverLocal } from "../../../src/delivery/local/local.ts";
import { deliverVirtual } from "../../../src/delivery/virtual/virtual.ts";
import { createVirtualRecipientVerifier } from "../../../src/delivery/virtual/virtual_recipient.ts";
import { testConfig } from "./test_config.ts";
import { testMessage, withTempDir } from "./test_message.ts";
import { virtualConfig } from "./virtual_fixture.ts";

/** Not root: no chown, so tests run anywhere. */
const OPTIONS = { uid: 1000, clock: () => 1_700_000_000_000 };
const PASSWD = "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n";

/**
 * The virtual fixture in the README's layout (passwd files in the base),
 * with hand-written map lines aimed at one.test's passwd file.
 */
async function readmeLayout(dir: string) {
  const config = await virtualConfig(dir);
  const base = config.virtual_mailbox_base;
  const passwd = join(base, "one.test", "passwd");
  await Deno.mkdir(join(base, "one.test"), { recursive: true });
  await Deno.writeTextFile(passwd, PASSWD);
  await Deno.writeTextFile(
    join(dir, "vmailbox"),
    "passwd@one.test  one.test/passwd\n" +
      "linked@one.test  one.test/linked\n" +
      "new@one.test     one.test/new/\n" +
      "carol@one.test   one.test/carol\n",
    { append: true },
  );
  await Deno.symlink("passwd", join(base, "one.test", "linked"));
  return {
    config: { ...config, pop3_passwd_directory: base },
    passwd,
  };
}

Deno.test("virtual delivery defers, writing nothing, when the map or a link leads to a passwd file", async () => {
  await withTempDir(async (dir) => {
    const { config, passwd } = await readmeLayout(dir);
    for (const recipient of ["passwd@one.test", "linked@one.test"]) {
      const result = await deliverVirtual(
        testMessage({ recipient }),
        config,
        OPTIONS,
      );
      assert.equal(result.outcome, "deferred", recipient);
      assert.equal(result.dsn, "4.3.5");
      assert.match(result.reason, /is the POP3 password file of "one\.test"/);
    }
    assert.equal(await Deno.readTextFile(passwd), PASSWD);
    const reserved = await deliverVirtual(
      testMessage({ recipient: "new@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(reserved.outcome, "deferred");
    assert.match(reserved.reason, /"new" is reserved/);
    const carol = await deliverVirtual(
      testMessage({ recipient: "carol@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(carol.outcome, "sent", carol.reason);
  });
});

Deno.test("smtpd's virtual recipient check: 451 4.3.0 for a protected file, 550 5.1.1 for a reserved name", async () => {
  await withTempDir(async (dir) => {
    const { config } = await readmeLayout(dir);
    const verify = createVirtualRecipientVerifier(() => config);
    for (const address of ["passwd@one.test", "linked@one.test"]) {
      assert.deepEqual(await verify(address), {
        ok: false,
        code: 451,
        dsn: "4.3.0",
        text: "Recipient address rejected: Temporary lookup failure",
      }, address);
    }
    assert.deepEqual(await verify("new@one.test"), {
      ok: false,
      code: 550,
      dsn: "5.1.1",
      text: "Recipient address rejected: User unknown in virtual mailbox table",
    });
    assert.deepEqual(await verify("carol@one.test"), { ok: true });
  });
});

Deno.test("local delivery defers a spool mailbox that is a passwd file, and file targets in the queue", async () => {
  await withTempDir(async (dir) => {
    const passwdDirectory = join(dir, "virtual");
    await Deno.mkdir(join(passwdDirectory, "one.test"), { recursive: true });
    const passwd = join(passwdDirectory, "one.test", "passwd");
    await Deno.writeTextFile(passwd, PASSWD);
    const queue = join(dir, "queue");
    await Deno.mkdir(join(queue, "incoming"), { recursive: true });
    const aliases = join(dir, "aliases");
    await Deno.writeTextFile(
      aliases,
      `inqueue: ${join(queue, "incoming", "x")}\n` +
        `secrets: ${passwd}\n` +
        `table: ${aliases}\n` +
        `ok: ${join(dir, "ok.mbox")}\n`,
    );
    const config = testConfig({
      queue_directory: queue,
      alias_maps: [`hash:${aliases}`],
      // A spool that happens to be a domain's passwd directory.
      mail_spool_directory: join(passwdDirectory, "one.test"),
      pop3_passwd_directory: passwdDirectory,
    });
    const users = join(dir, "users");
    await Deno.writeTextFile(
      users,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    );
    const options = { ...OPTIONS, mapOptions: { passwdFile: users } };
    for (
      const [recipient, why] of [
        ["inqueue", /sits inside the queue directory/],
        ["secrets", /is the POP3 password file of "one\.test"/],
        ["table", /is the alias_maps table/],
        ["passwd", /is the POP3 password file of "one\.test"/],
      ] as const
    ) {
      const result = await deliverLocal(
        testMessage({ recipient: `${recipient}@mx.example.org` }),
        config,
        options,
      );
      assert.equal(
        result.outcome,
        "deferred",
        `${recipient}: ${result.reason}`,
      );
      assert.equal(result.dsn, "4.3.5", `${recipient}: ${result.reason}`);
      assert.match(result.reason, why);
    }
    assert.equal(await Deno.readTextFile(passwd), PASSWD);
    const ok = await deliverLocal(
      testMessage({ recipient: "ok@mx.example.org" }),
      config,
      options,
    );
    assert.equal(ok.outcome, "sent", ok.reason);
  });
});
