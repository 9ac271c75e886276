/**
 * Alias expansion delivers what it can, as Postfix does: one target of an
 * :include: list refused ("mail to file is restricted", files named in an
 * include file are not allowed by default) bounces alone; every other
 * target is delivered, each has its own log line (`orig_to=`), and the
 * bounce names only what failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles, startDaemon, waitFor } from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("one refused target of a list bounces alone; the others are delivered", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-partial-" });
  await Deno.chmod(home, 0o755);
  await Deno.writeTextFile(
    join(home, "aliases"),
    `staff: :include:${home}/staff.list\n`,
  );
  await Deno.writeTextFile(
    join(home, "staff.list"),
    `bob\n${home}/archive.mbox\ncarol\n`,
  );
  const daemon = await startDaemon({
    home,
    params: { alias_maps: `hash:${join(home, "aliases")}` },
  });
  const maildir = (user: string) => join(home, "mail", user, "new");
  try {
    const [sent] = await sendWithSmtplib(daemon.port, "alice@localhost", [
      "staff@localhost",
    ]);
    assert.equal(sent.code, 250, sent.reply);
    await waitFor("bob, carol and the bounce to alice", async () => {
      const counts = await Promise.all(
        ["bob", "carol", "alice"].map(async (u) =>
          (await listFiles(maildir(u))).length
        ),
      );
      return counts.every((n) => n === 1) ? true : undefined;
    });
    const log = await Deno.readTextFile(join(home, "maillog"));
    assert.match(
      log,
      /to=<bob@localhost>, orig_to=<staff@localhost>, relay=local, .*status=sent/,
    );
    assert.match(
      log,
      /to=<carol@localhost>, orig_to=<staff@localhost>, relay=local, .*status=sent/,
    );
    assert.match(
      log,
      /to=<staff@localhost>, relay=local, .*dsn=5\.7\.1, status=bounced \(mail to file is restricted\)/,
    );
    const [bounceName] = await listFiles(maildir("alice"));
    const bounce = await Deno.readTextFile(join(maildir("alice"), bounceName));
    assert.match(bounce, /mail to file is restricted/);
    assert.match(bounce, /Final-Recipient: rfc822; ?staff@localhost/);
    assert.doesNotMatch(bounce, /Final-Recipient: rfc822; ?(bob|carol)@/);
    assert.doesNotMatch(bounce, /<(bob|carol)@localhost>/);
    assert.equal(
      await Deno.stat(join(home, "archive.mbox")).catch(() => null),
      null,
    );
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
