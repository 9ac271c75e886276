/**
 * A queue manager's thread that dies while smtpd's sessions send over
 * their direct link (master/commit_links.ts) loses no message: the master
 * unlinks smtpd, which tells the master again, and the new thread's
 * start-up scan of incoming/ takes what was sent to the dead one. Wired as
 * daemon.ts wires the threads, with the real smtpd and queue manager
 * (fixtures/crashing_qmgr_worker.ts dies when the test says).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../src/config/parse_config.ts";
import { setupLogging } from "../../src/log/maillog.ts";
import { createCommitLinks } from "../../src/master/commit_links.ts";
import {
  type ListenerRoles,
  startListenerRoles,
} from "../../src/master/listener_roles.ts";
import { startQueueManagerThread } from "../../src/master/qmgr_thread.ts";
import { announceWaiting } from "../../src/master/waiting_commits.ts";
import { QueueStore } from "../../src/queue/mod.ts";
import { freePort, listFiles, waitFor } from "../helpers/daemon.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";

const WORKER = new URL(
  "../unit/master/fixtures/crashing_qmgr_worker.ts",
  import.meta.url,
);

/** Sends one message in its own session; true when it got its 250. */
async function sendOne(port: number): Promise<boolean> {
  const smtp = await openSmtpDialog(port);
  try {
    await smtp.command("EHLO client.example.test");
    await smtp.command("MAIL FROM:<sender@example.test>");
    await smtp.command("RCPT TO:<box@localhost>");
    await smtp.command("DATA");
    return /^250 /.test(await smtp.send("Subject: hi\r\n\r\nhi\r\n.\r\n"));
  } finally {
    smtp.close();
  }
}

Deno.test("mail sent over the direct link is delivered across crashes of the queue manager's thread", async () => {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-qmgr-crash-" });
  const port = freePort();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx.test",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  const config = parseConfig({
    file: join(root, "mailsrv.toml"),
    text: [
      `queue_directory = "${join(root, "queue")}"`,
      `mail_spool_directory = "${join(root, "mail")}/"`,
      `mydestination = "localhost"`,
      `local_recipient_maps = ""`,
      `[[listener]]`,
      `kind = "smtp"`,
      `address = "127.0.0.1"`,
      `port = ${port}`,
    ].join("\n"),
    homeDirectory: root,
    system: { hostname: "mx.example.test", interfaces: [] },
  }).config;
  const store = await QueueStore.open(config.queue_directory, {
    removesCommitted: false,
  });
  const links = createCommitLinks({
    recheck: () => void announceWaiting(store),
  });
  /** smtpd's threads, once started (spares go to them, as in daemon.ts). */
  const listening: { roles?: ListenerRoles } = {};
  /** Commits that came through the master (no link at the time). */
  let relayed = 0;
  const manager = await startQueueManagerThread(store, config, false, {
    workerUrl: WORKER,
    restartDelayMs: 50,
    dormant: true,
    commitLinks: links,
    spare: (spare) => listening.roles?.spare(spare) || store.adoptSpare(spare),
  });
  const roles = listening.roles = await startListenerRoles(config, {
    foreground: false,
    drainMs: 1000,
    commitLinks: links,
    received: (notice) => {
      if (notice.kind !== "committed") return;
      relayed++;
      store.announce(notice.id);
    },
  });
  let accepted = 0;
  let stopped = false;
  const senders = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 2000 && !stopped; i++) {
      if (await sendOne(port)) accepted++;
    }
  });
  const more = (n: number) => {
    const target = accepted + n;
    return waitFor(`${target} accepted`, () => accepted >= target, 60_000);
  };
  const crashes = () =>
    lines.filter((l) => /queue manager thread failed: .*fell over/.test(l))
      .length;
  const maildir = join(root, "mail", "box");
  const delivered = async () =>
    (await listFiles(join(maildir, "new"))).length +
    (await listFiles(join(maildir, "cur"))).length;
  try {
    await more(20);
    for (let crash = 1; crash <= 2; crash++) {
      await Deno.writeTextFile(join(config.queue_directory, "crash-now"), "");
      await waitFor(`crash ${crash}`, () => crashes() === crash, 60_000);
      await more(20);
    }
    stopped = true;
    await Promise.all(senders);
    await waitFor(
      "every message delivered",
      async () => (await delivered()) >= accepted || undefined,
      60_000,
    );
    assert.equal(await delivered(), accepted);
    // Most went over the link: only those of a moment without a queue
    // manager's thread came through the master.
    assert.ok(relayed < accepted / 2, `${relayed} of ${accepted} relayed`);
    assert.deepEqual(
      await listFiles(join(config.queue_directory, "incoming")),
      [],
    );
    assert.equal(
      lines.filter((l) => /ignoring a notice/.test(l)).length,
      0,
      lines.join("\n"),
    );
  } finally {
    stopped = true;
    await Promise.all(senders);
    await Promise.all([roles.stop(0), manager.stop(1000)]);
    await Deno.remove(root, { recursive: true });
  }
});
