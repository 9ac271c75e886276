/**
 * Crash leftovers in a Maildir's tmp/ are removed when mail is delivered
 * there: files older than 36 hours (the Maildir convention), never a
 * fresh one (a delivery may be writing it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles, startDaemon, waitFor } from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("delivery to a Maildir removes tmp/ files older than 36 hours, keeps fresh ones", async () => {
  const daemon = await startDaemon();
  try {
    const maildir = join(daemon.home, "mail", "bob");
    for (const sub of ["tmp", "new", "cur"]) {
      await Deno.mkdir(join(maildir, sub), { recursive: true, mode: 0o700 });
    }
    const old = join(maildir, "tmp", "1700000000.M1P1Q1.crashed");
    const fresh = join(maildir, "tmp", "1700000001.M1P1Q2.writing");
    await Deno.writeTextFile(old, "Subject: left by a crash\n\nx\n");
    await Deno.writeTextFile(fresh, "Subject: being written\n\nx\n");
    const longAgo = new Date(Date.now() - 37 * 60 * 60 * 1000);
    await Deno.utime(old, longAgo, longAgo);
    const almost = new Date(Date.now() - 35 * 60 * 60 * 1000);
    await Deno.utime(fresh, almost, almost);

    const [sent] = await sendWithSmtplib(daemon.port, "a@example.test", [
      "bob@localhost",
    ]);
    assert.equal(sent.code, 250, sent.reply);
    await waitFor(
      "the delivery",
      async () =>
        (await listFiles(join(maildir, "new"))).length === 1 ? true : undefined,
    );
    assert.deepEqual(await listFiles(join(maildir, "tmp")), [
      "1700000001.M1P1Q2.writing",
    ]);
  } finally {
    await daemon.stop();
  }
});
