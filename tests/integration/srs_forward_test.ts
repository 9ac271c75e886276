/**
 * SRS end to end: an alias that forwards off the box sends the message
 * on (through a relayhost, a test server) with an SRS sender in
 * srs_domain; a bounce to that address (null sender, SMTP to the daemon)
 * is accepted and delivered to the original sender; a forged one is
 * refused at RCPT; mail forwarded to local users only keeps its sender.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

const SRS_SENDER =
  /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=example\.test=alice@srs\.example\.test$/;

Deno.test("SRS: forwarded off the box with an SRS sender; the bounce comes home; a forged one is refused", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-srs-" });
  await Deno.chmod(home, 0o755);
  await Deno.writeTextFile(
    join(home, "aliases"),
    "away: carol@remote.example\nteam: bob\n",
  );
  const secretFile = join(home, "srs.secret");
  await Deno.writeTextFile(secretFile, "test-secret-one\n", { mode: 0o600 });
  const hop = await startFakeSmtpServer({});
  const daemon = await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      relayhost: `[127.0.0.1]:${hop.port}`,
      // srs_domain is in no other domain class: its SRS addresses are
      // still ours. The original sender is local so that the bounce can
      // be read here, so its domain is not excluded.
      srs_domain: "srs.example.test",
      srs_secret_file: secretFile,
      srs_exclude_domains: "",
    },
  });
  const maildir = (user: string) => join(home, "mail", user, "new");
  try {
    const [sent] = await sendWithSmtplib(daemon.port, "alice@example.test", [
      "away@example.test",
      "team@example.test",
    ]);
    assert.equal(sent.code, 250, sent.reply);
    const forwarded = await waitFor(
      "the forwarded message at the relayhost",
      () => hop.messages[0],
    );
    assert.match(forwarded.sender, SRS_SENDER);
    assert.deepEqual(forwarded.recipients, ["carol@remote.example"]);
    assert.match(
      await Deno.readTextFile(join(home, "maillog")),
      /srs: sender <alice@example\.test> rewritten as <SRS0=/,
    );

    // Forwarded to a local user only: the sender is kept.
    const [bobName] = await waitFor(
      "bob's copy",
      async () =>
        (await listFiles(maildir("bob"))).length
          ? await listFiles(maildir("bob"))
          : undefined,
    );
    const bobCopy = await Deno.readTextFile(join(maildir("bob"), bobName));
    assert.match(bobCopy, /^Return-Path: <alice@example\.test>/m);

    // The remote end bounces to the SRS address: it comes home to alice.
    const dialog = await openSmtpDialog(daemon.port);
    try {
      assert.match(await dialog.command("EHLO remote.example"), /^250/m);
      assert.match(await dialog.command("MAIL FROM:<>"), /^250 /);
      const forged = forwarded.sender.replace(
        /^SRS0=..../,
        forwarded.sender.startsWith("SRS0=AAAA") ? "SRS0=BBBB" : "SRS0=AAAA",
      );
      assert.match(
        await dialog.command(`RCPT TO:<${forged}>`),
        /^550 5\.1\.1 .*Invalid SRS address \(bad hash\)/,
      );
      assert.match(
        await dialog.command(`RCPT TO:<${forwarded.sender.toLowerCase()}>`),
        /^250 2\.1\.5/,
      );
      assert.match(await dialog.command("DATA"), /^354/);
      assert.match(
        await dialog.send(
          "From: MAILER-DAEMON@remote.example\r\nSubject: Undelivered " +
            "Mail Returned to Sender\r\n\r\ncarol: no such user\r\n.\r\n",
        ),
        /^250 2\.0\.0/,
      );
      await dialog.command("QUIT");
    } finally {
      dialog.close();
    }
    const [bounceName] = await waitFor(
      "the bounce in alice's mailbox",
      async () =>
        (await listFiles(maildir("alice"))).length
          ? await listFiles(maildir("alice"))
          : undefined,
    );
    const bounce = await Deno.readTextFile(join(maildir("alice"), bounceName));
    assert.match(bounce, /carol: no such user/);
    assert.match(bounce, /^Return-Path: <>/m);
    assert.equal(hop.messages.length, 1, "the bounce did not leave the box");
  } finally {
    await daemon.stop();
    await hop.close();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("SRS: a secret file other users can read refuses start", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-srs-" });
  const secretFile = join(home, "srs.secret");
  await Deno.writeTextFile(secretFile, "test-secret\n", { mode: 0o644 });
  await Deno.chmod(secretFile, 0o644);
  const configPath = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    configPath,
    [
      `queue_directory = "${join(home, "queue")}"`,
      `srs_domain = "srs.example.test"`,
      `srs_secret_file = "${secretFile}"`,
    ].join("\n") + "\n",
  );
  try {
    const checked = await runMailsrv(["check", "--config", configPath]);
    assert.equal(checked.code, 1, checked.stdout);
    assert.match(
      checked.stderr,
      /SRS secret file ".*" is readable by other users \(mode 644\)/,
    );
    const started = await runMailsrv(["run", "--config", configPath]);
    assert.notEqual(started.code, 0);
    assert.match(
      started.stderr,
      /is readable by other users \(mode 644\); run chmod 600/,
    );
    assert.doesNotMatch(started.stderr, /^\s+at /m, "no stack trace");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
