/**
 * mailbox_size_limit end to end (issue 11 item 7): mail that would make
 * an mbox file, or one Maildir message file, larger than the limit is
 * bounced with 5.2.2 as Postfix's local(8) bounces it, the sender gets
 * the report, and the mailbox is left exactly as it was.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  python,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

const LIMIT = 5000;

async function started(): Promise<TestDaemon> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-limit-" });
  await Deno.chmod(home, 0o755);
  const out = join(home, "out");
  await Deno.mkdir(out);
  // Files named in a root-owned aliases file are written as nobody.
  await Deno.chmod(out, 0o777);
  await Deno.writeTextFile(
    join(home, "aliases"),
    `archive: ${out}/archive.mbox\n`,
  );
  return await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      mailbox_size_limit: LIMIT,
      message_size_limit: LIMIT,
      // Bounces return only the headers, so they fit the sender's mailbox.
      bounce_size_limit: 1000,
    },
  });
}

/** Sends one message; returns its queue ID once its delivery is logged. */
async function deliver(
  daemon: TestDaemon,
  recipient: string,
  body: string,
): Promise<{ id: string; line: string }> {
  const [sent] = await sendWithSmtplib(
    daemon.port,
    "sender@localhost",
    [recipient],
    { body },
  );
  assert.equal(sent.code, 250, sent.reply);
  const id = sent.reply.match(/queued as (\S+)/)![1];
  const line = await waitFor(
    `the delivery of ${id}`,
    () =>
      daemon.log().split("\n").find((l) =>
        l.includes(`${id}: to=<${recipient}>`) && l.includes("status=")
      ),
  );
  return { id, line };
}

/** The queued size of `id`, from its `size=` log line. */
function queuedSize(daemon: TestDaemon, id: string): number {
  const match = daemon.log().match(
    new RegExp(`${id}: from=<.*?>, size=(\\d+)`),
  );
  assert.ok(match, `no size line for ${id}`);
  return Number(match[1]);
}

/** Lines of 75 characters and a last line, `total` bytes in all. */
function bodyOf(total: number): string {
  const line = "x".repeat(75) + "\n";
  const full = Math.floor((total - 1) / line.length);
  return line.repeat(full) + "y".repeat(total - 1 - full * line.length) + "\n";
}

/** The Status: fields of the one bounce in the sender's Maildir. */
async function bounceStatus(home: string, count: number): Promise<string[]> {
  const dir = join(home, "mail", "sender", "new");
  const files = await waitFor(
    `${count} bounce(s) to the sender`,
    async () => {
      const names = await listFiles(dir);
      return names.length === count ? names : undefined;
    },
  );
  const statuses: string[] = [];
  for (const file of files) {
    statuses.push(
      (await python(
        `import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
s = [p for p in m.walk() if p.get_content_type() == "message/delivery-status"][0]
print(s.get_payload()[1]["Status"])`,
        [join(dir, file)],
      )).trim(),
    );
  }
  return statuses;
}

Deno.test("a Maildir message file larger than mailbox_size_limit bounces 5.2.2 and leaves nothing behind", async () => {
  const daemon = await started();
  try {
    // Measure the queued size of a small message to the same-length name.
    const probeBody = bodyOf(1000);
    const probe = await deliver(daemon, "pro@localhost", probeBody);
    assert.match(probe.line, /status=sent \(delivered to maildir\)/);
    const overhead = queuedSize(daemon, probe.id) - probeBody.length;
    // Queued 25 bytes under the limit: accepted by smtpd; with the
    // Return-Path: and Delivered-To: lines (60 bytes) the file is over.
    const body = bodyOf(LIMIT - 25 - overhead);
    const big = await deliver(daemon, "big@localhost", body);
    assert.equal(queuedSize(daemon, big.id), LIMIT - 25);
    assert.match(
      big.line,
      /relay=local, .*dsn=5\.2\.2, status=bounced \(cannot deliver to maildir ".*\/mail\/big": error writing message: File too large \(mailbox full: mailbox_size_limit is 5000 bytes\)\)/,
    );
    assert.deepEqual(
      await listFiles(join(daemon.home, "mail", "big", "new")),
      [],
    );
    assert.deepEqual(
      await listFiles(join(daemon.home, "mail", "big", "tmp")),
      [],
    );
    assert.deepEqual(await bounceStatus(daemon.home, 1), ["5.2.2"]);
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("an mbox file target stops growing at mailbox_size_limit: the append that would pass it bounces 5.2.2", async () => {
  const daemon = await started();
  const archive = join(daemon.home, "out", "archive.mbox");
  try {
    const body = bodyOf(1800);
    for (let i = 0; i < 2; i++) {
      const { line } = await deliver(daemon, "archive@localhost", body);
      assert.match(line, /status=sent \(delivered to file: /);
    }
    const before = await Deno.readFile(archive);
    assert.ok(before.length <= LIMIT && before.length > LIMIT / 2);
    const third = await deliver(daemon, "archive@localhost", body);
    assert.match(
      third.line,
      /dsn=5\.2\.2, status=bounced \(cannot update mailbox ".*archive\.mbox": error writing message: File too large \(mailbox full: mailbox_size_limit is 5000 bytes\)\)/,
    );
    assert.deepEqual(await Deno.readFile(archive), before);
    assert.deepEqual(await bounceStatus(daemon.home, 1), ["5.2.2"]);
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});
