/**
 * SMTP AUTH through a daemon whose smtpd thread may not read a password
 * file: the auth thread checks a SASL users file's user and a virtual
 * user's POP3 password, a wrong password still gets 535, no password
 * reaches the maillog, and a reload that moves the users file (new
 * grants) is seen by the next AUTH.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { python, runMailsrv, startDaemon } from "../helpers/daemon.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";
import { hashPassword } from "../../src/common/password_hash.ts";

/** One session per user:password argument: the AUTH PLAIN reply. */
const AUTH = `
import base64, smtplib, sys
port = int(sys.argv[1])
for pair in sys.argv[2:]:
    user, password = pair.split(":", 1)
    token = base64.b64encode(b"\\0" + user.encode() + b"\\0" + password.encode())
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.ehlo("client.example.com")
    code, text = s.docmd("AUTH", "PLAIN " + token.decode())
    print(code, text.decode())
    s.quit()
`;

const OK = "235 2.7.0 Authentication successful";

Deno.test("AUTH through the auth thread: a users-file user and a virtual user log in, a wrong password gets 535, a reload's new users file is used", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const virtual = await virtualSetup(home);
  const users = join(home, "sasl_users");
  await Deno.writeTextFile(users, `carol:${await hashPassword("secret3")}\n`);
  const daemon = await startDaemon({
    home,
    params: {
      ...virtual.params,
      smtpd_sasl_auth_enable: "yes",
      smtpd_sasl_users_file: users,
      // No pause after a failed login: this test does not time them.
      smtpd_sasl_failed_auth_delay: 0,
    },
  });
  try {
    const replies = (await python(AUTH, [
      String(daemon.port),
      "carol:secret3",
      "alice@one.test:secret1",
      "alice@one.test:wrong-secret",
      "nobody@one.test:secret1",
    ])).trimEnd().split("\n");
    assert.deepEqual(replies.slice(0, 2), [OK, OK]);
    assert.match(replies[2], /^535 5\.7\.8 /);
    assert.match(replies[3], /^535 5\.7\.8 /);

    // A users file elsewhere: a new grant, so a new auth thread.
    const moved = join(home, "etc", "sasl_users");
    await Deno.mkdir(join(home, "etc"));
    await Deno.writeTextFile(moved, `dave:${await hashPassword("secret4")}\n`);
    const config = await Deno.readTextFile(daemon.configPath);
    await Deno.writeTextFile(
      daemon.configPath,
      config.replace(`"${users}"`, `"${moved}"`),
    );
    const reload = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.equal(reload.code, 0, reload.stderr);
    const after = (await python(AUTH, [
      String(daemon.port),
      "dave:secret4",
      "carol:secret3",
    ])).trimEnd().split("\n");
    assert.equal(after[0], OK);
    assert.match(after[1], /^535 /);

    const log = daemon.log();
    for (const secret of ["secret1", "secret3", "secret4", "wrong-secret"]) {
      assert.ok(!log.includes(secret), `the maillog shows "${secret}"`);
    }
    assert.doesNotMatch(log, /auth thread failed/);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
