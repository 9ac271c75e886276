/**
 * Interop with procmail as mailbox_command (Debian package `procmail`):
 * the read-receipts recipe files by Subject into a Maildir folder, running
 * as the recipient; Python's `mailbox` module reads the result.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";

async function run(cmd: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`,
    );
  }
}

Deno.test("procmail as mailbox_command files read receipts into a Maildir folder, as the user", async () => {
  if (!requireProgram("procmail")) return;
  if (Deno.uid() !== 0) {
    if (Deno.env.get("CI") === "true") {
      throw new Error("the procmail interop test needs root in CI");
    }
    console.warn(
      "SKIPPED: procmail interop needs root (to run as the recipient)",
    );
    return;
  }
  const root = await Deno.makeTempDir({ prefix: "mailsrv-procmail-" });
  await Deno.chmod(root, 0o755);
  const user = `mst${Math.floor(Math.random() * 1e6)}`;
  const home = join(root, user);
  await Deno.mkdir(home);
  await run("useradd", "-M", "-d", home, "-s", "/bin/sh", user);
  try {
    await run("chown", `${user}:`, home);
    const rc = join(home, ".procmailrc");
    await Deno.writeTextFile(
      rc,
      [
        "MAILDIR=$HOME/Maildir/",
        "DEFAULT=$MAILDIR",
        "LOGFILE=$HOME/procmail.log",
        "# read receipts go to their own folder",
        ":0",
        "* ^Subject: *(Read|Gelesen):",
        ".Receipts/",
        "",
      ].join("\n"),
    );
    await run("chown", `${user}:`, rc);
    await Deno.chmod(rc, 0o644);
    // procmail changes into MAILDIR, so the user's Maildir must exist.
    for (const sub of ["new", "cur", "tmp"]) {
      await Deno.mkdir(join(home, "Maildir", sub), { recursive: true });
    }
    await run("chown", "-R", `${user}:`, join(home, "Maildir"));

    const daemon = await startDaemon({
      home: await Deno.makeTempDir({ prefix: "mailsrv-it-" }),
      params: {
        local_recipient_maps: "unix:passwd.byname",
        mailbox_command: '/usr/bin/procmail -a "$EXTENSION"',
        recipient_delimiter: "+",
      },
    });
    try {
      const [receipt] = await sendWithSmtplib(
        daemon.port,
        "friend@example.test",
        [`${user}+notes@localhost`],
        {
          header: "Subject: Read: the plan",
        },
      );
      assert.equal(receipt.code, 250, receipt.reply);
      const [plain] = await sendWithSmtplib(
        daemon.port,
        "friend@example.test",
        [`${user}@localhost`],
      );
      assert.equal(plain.code, 250, plain.reply);

      const inbox = join(home, "Maildir");
      const receipts = join(inbox, ".Receipts");
      await waitFor(
        "procmail's deliveries",
        async () =>
          ((await listFiles(join(inbox, "new"))).length === 1 &&
            (await listFiles(join(receipts, "new"))).length === 1) || undefined,
      )
        .catch((e) => {
          throw new Error(`${e.message}; maillog:\n${daemon.log()}`);
        });
      const [filed] = await readMailbox("maildir", receipts);
      assert.equal(filed.subject, "Read: the plan");
      assert.deepEqual(filed.delivered_to, [`${user}+notes@localhost`]);
      const [other] = await readMailbox("maildir", inbox);
      assert.equal(other.subject, `test ${plain.token}`);
      const [file] = await listFiles(join(receipts, "new"));
      const owner = (await Deno.stat(join(receipts, "new", file))).uid;
      const uid = Number(
        new TextDecoder().decode(
          (await new Deno.Command("id", { args: ["-u", user], stdout: "piped" })
            .output()).stdout,
        ).trim(),
      );
      assert.equal(owner, uid, "procmail did not run as the recipient");
      assert.match(
        daemon.log(),
        new RegExp(
          `to=<${user}\\+notes@localhost>, relay=local, .*status=sent \\(delivered to command: /usr/bin/procmail`,
        ),
      );
    } finally {
      await daemon.stop();
      await Deno.remove(daemon.home, { recursive: true });
    }
  } finally {
    await run("userdel", user).catch(() => {});
    // procmail touches the user's spool file while it locks.
    await Deno.remove(`/var/mail/${user}`).catch(() => {});
    await Deno.remove(root, { recursive: true });
  }
});
