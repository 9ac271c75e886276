/** Tests for authenticate.ts: vm-pop3d logins against per-domain passwd files. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createAuthenticator } from "../../../src/pop3/authenticate.ts";
import { hashPassword } from "../../../src/common/password_hash.ts";
import { withTempDir } from "../delivery/test_message.ts";
import { virtualConfig } from "../delivery/virtual_fixture.ts";
import type { Config } from "../../../src/config/types.ts";

const CLIENT = { address: "192.0.2.1" };

/** The virtual fixture plus passwd files for alice (one.test) and bob (two.test). */
async function setup(dir: string): Promise<Config> {
  const config = await virtualConfig(dir, {
    pop3_passwd_directory: join(dir, "passwd"),
  });
  await Deno.mkdir(join(dir, "passwd", "one.test"), { recursive: true });
  await Deno.mkdir(join(dir, "passwd", "two.test"), { recursive: true });
  // {SHA}5en6… is "secret" (htpasswd -s); alice has a bcrypt hash.
  await Deno.writeTextFile(
    join(dir, "passwd", "one.test", "passwd"),
    `alice:${await hashPassword("secret1")}\n` +
      "evil:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n" +
      "low:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n" +
      "nobox:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n",
  );
  // Fields after the hash are ignored, as vm-pop3d does.
  await Deno.writeTextFile(
    join(dir, "passwd", "two.test", "passwd"),
    "bob:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=:extra\n",
  );
  return config;
}

Deno.test("authenticate: right passwords give the account and its mailbox", async () => {
  await withTempDir(async (dir) => {
    const config = await setup(dir);
    const authenticate = createAuthenticator(() => config);
    const base = config.virtual_mailbox_base;
    assert.deepEqual(await authenticate("Alice@One.Test", "secret1", CLIENT), {
      login: "Alice@One.Test",
      user: "alice",
      domain: "one.test",
      mailbox: { format: "mbox", path: join(base, "one.test", "alice") },
      uid: 5000,
      gid: 5000,
    });
    const bob = await authenticate("bob%two.test", "secret", CLIENT);
    assert.deepEqual(bob?.mailbox, {
      format: "maildir",
      path: join(base, "two.test", "bob"),
    });
    assert.equal(bob?.uid, 5001);
  });
});

Deno.test("authenticate: wrong password, unknown user, domain or login are all undefined", async () => {
  await withTempDir(async (dir) => {
    const config = await setup(dir);
    const authenticate = createAuthenticator(() => config);
    for (
      const [login, password] of [
        ["alice@one.test", "secret2"],
        ["alice@one.test", ""],
        ["carol@one.test", "secret1"],
        ["alice@two.test", "secret1"],
        ["alice@elsewhere.test", "secret1"],
        ["alice", "secret1"],
        ["../alice@one.test", "secret1"],
        ["alice@../one.test", "secret1"],
        ["alice@example.org", "secret1"],
      ]
    ) {
      assert.equal(
        await authenticate(login, password, CLIENT),
        undefined,
        login,
      );
    }
  });
});

Deno.test("authenticate: missing passwd file means no users", async () => {
  await withTempDir(async (dir) => {
    const config = await setup(dir);
    await Deno.remove(join(dir, "passwd", "two.test", "passwd"));
    const authenticate = createAuthenticator(() => config);
    assert.equal(
      await authenticate("bob@two.test", "secret", CLIENT),
      undefined,
    );
  });
});

Deno.test("authenticate: mail system errors throw instead of answering 'wrong'", async () => {
  await withTempDir(async (dir) => {
    const config = await setup(dir);
    const authenticate = createAuthenticator(() => config);
    await assert.rejects(
      authenticate("evil@one.test", "secret", CLIENT),
      /outside|not relative|segments/,
    );
    await assert.rejects(
      authenticate("low@one.test", "secret", CLIENT),
      /below virtual_minimum_uid/,
    );
    await assert.rejects(
      authenticate("nobox@one.test", "secret", CLIENT),
      /no mailbox for "nobox@one\.test"/,
    );
  });
});
