/**
 * No message is left behind after a failed queue update: with the queue
 * file system full, a delivery that defers cannot write its defer/ record;
 * once space is back, `mailsrv flush` must reach the message in the
 * running daemon, and no defer/ record may outlive its message (stale
 * ones are removed at start and on queue scans).
 *
 * The queue lives on a small tmpfs the test mounts (root only; skipped
 * visibly otherwise). A command target holds the first delivery until the
 * test has filled the file system, then defers it (exit 75).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { canMount, fill, withTmpfs } from "../helpers/small_filesystem.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

/** Queue IDs of messages that do not exist (15 base-62 characters). */
const STALE_AT_START = "000000001stale1";
const STALE_LATER = "000000001stale2";

Deno.test({
  name:
    "queue full: a message whose update failed is retried by the running daemon",
  ignore: !canMount(),
  async fn() {
    const outside = await Deno.makeTempDir({ prefix: "mailsrv-full-" });
    await Deno.chmod(outside, 0o777);
    const script = join(outside, "deliver.sh");
    await Deno.writeTextFile(
      script,
      `#!/bin/sh
# First attempt: wait until the test has filled the queue, then defer.
if [ ! -e ${outside}/attempted ]; then
  touch ${outside}/attempted
  while [ ! -e ${outside}/go ]; do sleep 0.05; done
  exit 75
fi
cat > ${outside}/delivered
`,
    );
    await Deno.chmod(script, 0o755);
    await Deno.writeTextFile(
      join(outside, "aliases"),
      `slow: "|${script}"\n`,
    );
    await withTmpfs(4 * 1024 * 1024, async (home) => {
      const queue = join(home, "queue");
      await Deno.mkdir(join(queue, "defer"), { recursive: true });
      await Deno.writeTextFile(join(queue, "defer", STALE_AT_START), "x: y\n");
      const daemon = await startDaemon({
        home,
        params: {
          alias_maps: `hash:${join(outside, "aliases")}`,
          maillog_file: join(outside, "maillog"),
          command_time_limit: "60s",
          // Small enough for queue_minfree's 1.5 x rule on this tmpfs.
          message_size_limit: 1_000_000,
        },
      });
      const maillog = () =>
        Deno.readTextFile(join(outside, "maillog")).catch(() => "");
      try {
        const [sent] = await sendWithSmtplib(daemon.port, "a@example.test", [
          "slow@localhost",
        ]);
        assert.equal(sent.code, 250, sent.reply);
        await waitFor(
          "the first attempt",
          () =>
            Deno.stat(join(outside, "attempted")).then(() => true, () => false),
        );
        const filler = fill(home);
        await Deno.writeTextFile(join(outside, "go"), "");
        await waitFor(
          "the failed queue update",
          async () =>
            /queue file update failed|cannot write the defer/.test(
              await maillog(),
            ),
        );
        await Deno.remove(filler);
        await Deno.writeTextFile(join(queue, "defer", STALE_LATER), "x: y\n");
        const flush = await runMailsrv([
          "flush",
          "--wait",
          "--config",
          daemon.configPath,
        ]);
        assert.equal(flush.code, 0, flush.stderr);
        await waitFor(
          "the message delivered after the flush",
          () =>
            Deno.stat(join(outside, "delivered")).then(() => true, () => false),
          10_000,
        );
        await waitFor("the queue and defer/ empty", async () => {
          const left = [
            ...await listFiles(join(queue, "active")),
            ...await listFiles(join(queue, "deferred")),
            ...await listFiles(join(queue, "defer")),
          ];
          return left.length === 0 ? true : undefined;
        }, 10_000);
      } catch (error) {
        console.log(await maillog());
        throw error;
      } finally {
        await daemon.stop();
      }
    });
    await Deno.remove(outside, { recursive: true });
  },
});
