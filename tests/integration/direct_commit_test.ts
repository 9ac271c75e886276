/**
 * smtpd's commits reach the queue manager's thread over a channel the
 * master links (master/commit_links.ts) and, without one, through the
 * master. Through a real daemon, while sessions are sending: the queue
 * manager's thread retires when idle and starts again, and a reload that
 * changes the grants replaces both it and smtpd's thread. Every message
 * accepted lands in the Maildir, once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";

/** Sends one message in its own session; true when it got its 250. */
async function sendOne(port: number, n: number): Promise<boolean> {
  let smtp;
  try {
    smtp = await openSmtpDialog(port);
  } catch {
    return false; // Between two threads' listeners: not accepted.
  }
  try {
    if (!/^220 /.test(smtp.greeting)) return false;
    await smtp.command("EHLO client.example.test");
    await smtp.command("MAIL FROM:<sender@example.test>");
    await smtp.command("RCPT TO:<box@localhost>");
    if (!/^354 /.test(await smtp.command("DATA"))) return false;
    const reply = await smtp.send(`Subject: message ${n}\r\n\r\nhi\r\n.\r\n`);
    await smtp.command("QUIT").catch(() => "");
    return /^250 /.test(reply);
  } catch {
    return false;
  } finally {
    smtp.close();
  }
}

/** Sessions sending in parallel until `stop()`; counts the 250s. */
function sending(port: number, sessions: number) {
  let accepted = 0;
  let attempts = 0;
  let stopped = false;
  const loops = Array.from({ length: sessions }, async () => {
    // Bounded: a stop is asked well before this many.
    for (let i = 0; i < 5000 && !stopped; i++) {
      if (await sendOne(port, ++attempts)) accepted++;
    }
  });
  return {
    accepted: () => accepted,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return accepted;
    },
  };
}

/** Waits for `more` further messages accepted. */
function acceptedMore(batch: ReturnType<typeof sending>, more: number) {
  const target = batch.accepted() + more;
  return waitFor(
    `${target} messages accepted`,
    () => batch.accepted() >= target || undefined,
    60_000,
  );
}

/** Reloads with a transport table at `table`: new grants for smtpd and qmgr. */
async function reloadWithTable(daemon: TestDaemon, table: string) {
  await Deno.writeTextFile(table, "nowhere.test discard:\n");
  const text = await Deno.readTextFile(daemon.configPath);
  await Deno.writeTextFile(
    daemon.configPath,
    text.replace(/^transport_maps = .*\n/m, "").replace(
      /^myhostname = /m,
      `transport_maps = "hash:${table}"\nmyhostname = `,
    ),
  );
  const reload = await runMailsrv(["reload", "--config", daemon.configPath]);
  assert.equal(reload.code, 0, reload.stderr);
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern, "g"))?.length ?? 0;
}

Deno.test("no message is lost while the queue manager's and smtpd's threads come and go", async () => {
  const daemon = await startDaemon({ params: { max_idle: "1s" } });
  const maildir = join(daemon.home, "mail", "box");
  const delivered = async () =>
    (await listFiles(join(maildir, "new"))).length +
    (await listFiles(join(maildir, "cur"))).length;
  const dormant = async () =>
    /delivery thread: idle/.test(
      (await runMailsrv(["status", "--config", daemon.configPath])).stdout,
    ) || undefined;
  let accepted = 0;
  /** 4 sessions send while a reload with `table` happens; all delivered. */
  const sendThroughReload = async (table: string) => {
    const batch = sending(daemon.port, 4);
    await acceptedMore(batch, 20);
    await reloadWithTable(daemon, join(daemon.home, table));
    await acceptedMore(batch, 20);
    accepted += await batch.stop();
    await waitFor(
      "every message delivered",
      async () => (await delivered()) >= accepted || undefined,
      60_000,
    );
  };
  try {
    // Sending while a reload replaces both threads (new grants).
    await sendThroughReload("transport1");
    // Idle for max_idle: the queue manager's thread is let go.
    await waitFor("a dormant queue manager", dormant, 60_000);

    // Mail wakes it (through the master), links follow; another reload.
    await sendThroughReload("transport2");
    await waitFor(
      "an empty queue",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "incoming"))).length +
              (await listFiles(join(daemon.queueDirectory, "active")))
                .length === 0 || undefined,
    );
    assert.equal(await delivered(), accepted);

    const log = daemon.log();
    assert.equal(
      count(log, /queue manager thread restarting with new permissions/),
      2,
      log,
    );
    assert.equal(
      count(log, /smtpd thread restarting with new permissions/),
      2,
      log,
    );
    assert.doesNotMatch(log, /ignoring a notice|thread failed/);
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});
