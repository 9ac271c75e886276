/**
 * `message_size_limit = 0` means no limit, as in Postfix: the daemon
 * starts, EHLO announces `SIZE` without a number, and a message larger
 * than the default limit is accepted and delivered.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";

Deno.test("message_size_limit = 0: no limit anywhere", async () => {
  const daemon = await startDaemon({ params: { message_size_limit: 0 } });
  try {
    const check = await runMailsrv(["check", "--config", daemon.configPath]);
    assert.equal(check.code, 0, check.stderr);
    const smtp = await openSmtpDialog(daemon.port);
    try {
      const ehlo = await smtp.command("EHLO client.example.test");
      assert.match(ehlo, /^250-SIZE\r$/m, ehlo);
      assert.equal(
        await smtp.command("MAIL FROM:<a@example.test> SIZE=20000000"),
        "250 2.1.0 Ok",
      );
      assert.match(await smtp.command("RCPT TO:<big@localhost>"), /^250 /);
      assert.match(await smtp.command("DATA"), /^354 /);
      // Larger than Postfix's default limit (10240000).
      const line = "x".repeat(998) + "\r\n";
      const body = line.repeat(11_000);
      assert.match(
        await smtp.send(`Subject: big\r\n\r\n${body}.\r\n`),
        /^250 /,
      );
      await smtp.command("QUIT");
    } finally {
      smtp.close();
    }
    const inbox = join(daemon.home, "mail", "big", "new");
    const [name] = await waitFor(
      "the big message in the Maildir",
      async () => {
        const files = await listFiles(inbox);
        return files.length > 0 ? files : undefined;
      },
    );
    assert.ok(Deno.statSync(join(inbox, name)).size > 10_240_000);
  } finally {
    await daemon.stop();
  }
});
