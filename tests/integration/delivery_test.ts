/**
 * End to end: Python's smtplib sends to the real daemon; the message lands
 * in a Maildir or an mbox spool, and Python's `mailbox` module reads it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";

Deno.test("smtplib to someone@localhost lands in the Maildir, readable by Python's mailbox", async () => {
  const daemon = await startDaemon();
  try {
    const [sent] = await sendWithSmtplib(daemon.port, "alice@example.test", [
      "someone@localhost",
    ]);
    assert.equal(sent.code, 250, sent.reply);
    const queueId = sent.reply.match(/queued as (\S+)/)?.[1];
    assert.ok(queueId, `no queue id in "${sent.reply}"`);

    const maildir = join(daemon.home, "mail", "someone");
    await waitFor(
      "delivery",
      async () =>
        (await listFiles(join(maildir, "new"))).length === 1 || undefined,
    );
    const [message] = await readMailbox("maildir", maildir);
    assert.equal(message.subject, `test ${sent.token}`);
    assert.equal(message.return_path, "<alice@example.test>");
    assert.deepEqual(message.delivered_to, ["someone@localhost"]);
    assert.match(
      message.received![0],
      /from client\.example\.test \(localhost \[127\.0\.0\.1\]\)/,
    );
    assert.match(message.received![0], new RegExp(`id ${queueId}`));
    // Dot-stuffed lines come back unstuffed, and nothing else changed.
    assert.equal(
      message.body,
      "Hello,\nFrom here a line that needs quoting in mbox.\n.leading dot line\n..two dots\nbye\n",
    );
    assert.deepEqual(await listFiles(join(maildir, "tmp")), []);

    // The queue is empty again and the maillog tells the story.
    await waitFor(
      "queue file removal",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "active"))).length === 0 ||
        undefined,
    );
    const log = await Deno.readTextFile(join(daemon.home, "maillog"));
    assert.match(
      log,
      new RegExp(
        `mailsrv/smtpd\\[\\d+\\]: ${queueId}: client=localhost\\[127\\.0\\.0\\.1\\]`,
      ),
    );
    assert.match(
      log,
      new RegExp(
        `${queueId}: from=<alice@example\\.test>, size=\\d+, nrcpt=1 \\(queue active\\)`,
      ),
    );
    assert.match(
      log,
      new RegExp(
        `${queueId}: to=<someone@localhost>, relay=local, delay=[\\d.]+, .*dsn=2\\.0\\.0, status=sent`,
      ),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("an mbox spool gets From_ lines and mboxrd quoting, and Python's mailbox splits it right", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const spool = join(home, "spool");
  await Deno.mkdir(spool);
  const daemon = await startDaemon({
    home,
    params: { mail_spool_directory: spool },
  });
  try {
    const results = await sendWithSmtplib(daemon.port, "", ["bob@localhost"], {
      count: 3,
    });
    assert.deepEqual(results.map((r) => r.code), [250, 250, 250]);
    const mbox = join(spool, "bob");
    const messages = await waitFor("three messages in the mbox", async () => {
      try {
        const m = await readMailbox("mbox", mbox);
        return m.length === 3 ? m : undefined;
      } catch {
        return undefined;
      }
    });
    for (const m of messages) {
      assert.match(m.from_line!, /^MAILER-DAEMON /);
      assert.equal(m.return_path, "<>");
      // Python's mbox reader splits on From_ lines but keeps the quoting.
      assert.match(m.body!, /^Hello,\n>From here a line that needs quoting/);
    }
    assert.deepEqual(
      messages.map((m) => m.subject).sort(),
      results.map((r) => `test ${r.token}`).sort(),
    );
    const raw = await Deno.readTextFile(mbox);
    assert.match(raw, /\n>From here a line/);
    assert.equal(await Deno.stat(`${mbox}.lock`).catch(() => null), null);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("relay is refused outside mynetworks and queued (deferred) from inside", async () => {
  const daemon = await startDaemon({ params: { mynetworks: "127.0.0.1/32" } });
  try {
    const [outside] = await sendWithSmtplib(daemon.port, "a@example.test", [
      "victim@remote.example",
    ], { source: "127.0.0.2" });
    assert.equal(outside.code, 554);
    assert.match(
      outside.reply,
      /5\.7\.1 <victim@remote\.example>: Relay access denied/,
    );

    for (
      const trick of [
        '"victim@remote.example"@localhost',
        "victim%remote.example@localhost",
        "remote.example!victim@localhost",
        "@localhost:victim@remote.example",
      ]
    ) {
      const [r] = await sendWithSmtplib(
        daemon.port,
        "a@example.test",
        [trick],
        { source: "127.0.0.2" },
      );
      assert.ok(r.code >= 500, `${trick} was accepted: ${r.code} ${r.reply}`);
    }

    const [inside] = await sendWithSmtplib(daemon.port, "a@example.test", [
      "friend@remote.example",
    ]);
    assert.equal(inside.code, 250, inside.reply);
    const id = inside.reply.match(/queued as (\S+)/)![1];
    await waitFor(
      "deferral",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "deferred"))).includes(
          id,
        ) || undefined,
    );
    const listing = await runMailsrv(["queue", "--config", daemon.configPath]);
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /^-+Queue ID-/);
    assert.match(
      listing.stdout,
      new RegExp(
        `^${id} +\\d+ \\w{3} \\w{3} +\\d+ \\d\\d:\\d\\d:\\d\\d +a@example\\.test$`,
        "m",
      ),
    );
    assert.match(
      listing.stdout,
      /\(Host or domain name not found\. Name service error for name=remote\.example type=MX: Host not found, try again\)/,
    );
    assert.match(listing.stdout, /^ +friend@remote\.example$/m);
    assert.match(listing.stdout, /-- \d+ Kbytes in 1 Request\./);
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("unknown local recipients are refused at RCPT when local_recipient_maps says so", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(
    join(home, "users"),
    "# valid local users\nalice  ok\n",
  );
  const daemon = await startDaemon({
    home,
    params: { local_recipient_maps: `hash:${join(home, "users")}` },
  });
  try {
    const [unknown] = await sendWithSmtplib(daemon.port, "x@example.test", [
      "mallory@localhost",
    ]);
    assert.equal(unknown.code, 550);
    assert.match(
      unknown.reply,
      /^5\.1\.1 <mallory@localhost>: Recipient address rejected: User unknown/,
    );
    const [known] = await sendWithSmtplib(daemon.port, "x@example.test", [
      "Alice@LOCALHOST",
    ]);
    assert.equal(known.code, 250, known.reply);
    const [postmaster] = await sendWithSmtplib(daemon.port, "x@example.test", [
      "postmaster@example.test",
    ]);
    assert.equal(postmaster.code, 250, postmaster.reply);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
