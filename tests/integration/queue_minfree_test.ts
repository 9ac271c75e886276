/**
 * queue_minfree (Postfix's rule): MAIL FROM gets `452 4.3.1 Insufficient
 * system storage` while the queue file system has less free space than
 * the larger of queue_minfree and 1.5 × message_size_limit; `mailsrv
 * check` and start warn about it. On a tmpfs the test mounts (root only;
 * skipped visibly otherwise).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMailsrv, startDaemon, waitFor } from "../helpers/daemon.ts";
import { canMount, fill, withTmpfs } from "../helpers/small_filesystem.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";

async function mailFrom(port: number, parameters = ""): Promise<string> {
  const smtp = await openSmtpDialog(port);
  try {
    await smtp.command("EHLO client.example.test");
    return await smtp.command(`MAIL FROM:<a@example.test>${parameters}`);
  } finally {
    smtp.close();
  }
}

Deno.test({
  name:
    "queue_minfree: MAIL FROM gets 452 4.3.1 while the queue is short of space",
  ignore: !canMount(),
  async fn() {
    const outside = await Deno.makeTempDir({ prefix: "mailsrv-minfree-" });
    const maillogFile = join(outside, "maillog");
    await withTmpfs(20 * 1024 * 1024, async (home) => {
      // 3 MB free with the default 10 MB limit: 1.5 x 10240000 is needed.
      const filler = fill(home, 3 * 1024 * 1024);
      const daemon = await startDaemon({
        home,
        params: { maillog_file: maillogFile },
      });
      try {
        assert.equal(
          await mailFrom(daemon.port),
          "452 4.3.1 Insufficient system storage",
        );
        const maillog = await Deno.readTextFile(maillogFile);
        assert.match(
          maillog,
          /warning: queue file system of ".*" has \d+ bytes free/,
        );
        assert.match(
          maillog,
          /warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit/,
        );
        assert.match(
          maillog,
          /NOQUEUE: reject: MAIL from localhost\[127\.0\.0\.1\]: 452 4\.3\.1 Insufficient system storage/,
        );
        const check = await runMailsrv([
          "check",
          "--config",
          daemon.configPath,
        ]);
        assert.equal(check.code, 0, check.stderr);
        assert.match(check.stderr, /warning: queue file system .* 452 4\.3\.1/);

        await Deno.remove(filler);
        await waitFor(
          "MAIL FROM accepted once space is back",
          async () =>
            (await mailFrom(daemon.port)).startsWith("250") ? true : undefined,
        );
        // A declared size that fits is taken.
        assert.equal(
          await mailFrom(daemon.port, " SIZE=10000000"),
          "250 2.1.0 Ok",
        );
      } finally {
        await daemon.stop();
      }
    });
    await Deno.remove(outside, { recursive: true });
  },
});

Deno.test({
  name: "queue_minfree alone counts when message_size_limit = 0",
  ignore: !canMount(),
  async fn() {
    const outside = await Deno.makeTempDir({ prefix: "mailsrv-minfree-" });
    await withTmpfs(8 * 1024 * 1024, async (home) => {
      const daemon = await startDaemon({
        home,
        params: {
          maillog_file: join(outside, "maillog"),
          message_size_limit: 0,
          queue_minfree: 6 * 1024 * 1024,
        },
      });
      try {
        assert.match(await mailFrom(daemon.port), /^250 /);
        assert.equal(
          await mailFrom(daemon.port, " SIZE=7000000"),
          "452 4.3.1 Insufficient system storage",
        );
        fill(home, 5 * 1024 * 1024);
        await waitFor(
          "MAIL FROM refused below queue_minfree",
          async () =>
            (await mailFrom(daemon.port)).startsWith("452 4.3.1")
              ? true
              : undefined,
        );
      } finally {
        await daemon.stop();
      }
    });
    await Deno.remove(outside, { recursive: true });
  },
});
