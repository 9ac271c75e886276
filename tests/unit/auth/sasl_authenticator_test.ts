/** Tests for sasl_authenticator.ts: the SASL users file, then virtual users. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createSaslAuthenticator } from "../../../src/auth/sasl_authenticator.ts";
import { hashPassword } from "../../../src/common/password_hash.ts";
import { withTempDir } from "../delivery/test_message.ts";
import { virtualConfig } from "../delivery/virtual_fixture.ts";

Deno.test("SMTP AUTH checks the SASL users file first, then the virtual users' passwd files", async () => {
  await withTempDir(async (dir) => {
    const usersFile = join(dir, "sasl_users");
    await Deno.writeTextFile(
      usersFile,
      `# SASL users\nCarol:${await hashPassword("secret3")}\n`,
    );
    await Deno.mkdir(join(dir, "passwd", "one.test"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "passwd", "one.test", "passwd"),
      `alice:${await hashPassword("secret1")}\n`,
    );
    const config = await virtualConfig(dir, {
      pop3_passwd_directory: join(dir, "passwd"),
      smtpd_sasl_users_file: usersFile,
    });
    const check = createSaslAuthenticator();
    assert.equal(await check("carol", "secret3", config), "carol");
    assert.equal(await check("CAROL", "secret3", config), "carol");
    assert.equal(await check("carol", "secret1", config), undefined);
    assert.equal(
      await check("Alice@One.Test", "secret1", config),
      "alice@one.test",
    );
    assert.equal(await check("alice@one.test", "nope", config), undefined);
    assert.equal(await check("nobody@one.test", "x", config), undefined);
    // Without the users file only virtual users log in.
    const plain = { ...config, smtpd_sasl_users_file: "" };
    assert.equal(await check("carol", "secret3", plain), undefined);
  });
});
