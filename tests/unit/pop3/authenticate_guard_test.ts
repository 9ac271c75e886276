/**
 * Issue 8 at the POP3 login: a user whose mailbox (by the map, or by a
 * link planted in the base) is a password file cannot log in to read or
 * rewrite it; the session answers -ERR [SYS/TEMP] for what throws here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createAuthenticator } from "../../../src/pop3/authenticate.ts";
import { withTempDir } from "../delivery/test_message.ts";
import { virtualConfig } from "../delivery/virtual_fixture.ts";

const CLIENT = { address: "192.0.2.1" };
/** {SHA} of "secret" (htpasswd -s). */
const SECRET = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=";

Deno.test("authenticate: refuses a mailbox that is the passwd file, by map or by link", async () => {
  await withTempDir(async (dir) => {
    const fixture = await virtualConfig(dir);
    const base = fixture.virtual_mailbox_base;
    const config = { ...fixture, pop3_passwd_directory: base };
    await Deno.mkdir(join(base, "one.test"));
    await Deno.writeTextFile(
      join(base, "one.test", "passwd"),
      `passwd:${SECRET}\nmallory:${SECRET}\ncarol:${SECRET}\n`,
    );
    await Deno.writeTextFile(
      join(dir, "vmailbox"),
      "passwd@one.test   one.test/passwd\n" +
        "mallory@one.test  one.test/mallory\n" +
        "carol@one.test    one.test/carol\n",
      { append: true },
    );
    await Deno.symlink("passwd", join(base, "one.test", "mallory"));
    const authenticate = createAuthenticator(() => config);
    await assert.rejects(
      authenticate("passwd@one.test", "secret", CLIENT),
      /mailbox ".*\/one\.test\/passwd" is the POP3 password file of "one\.test"/,
    );
    await assert.rejects(
      authenticate("mallory@one.test", "secret", CLIENT),
      /\(really ".*\/one\.test\/passwd"\) is the POP3 password file/,
    );
    const carol = await authenticate("carol@one.test", "secret", CLIENT);
    assert.equal(carol?.mailbox.path, join(base, "one.test", "carol"));
  });
});
