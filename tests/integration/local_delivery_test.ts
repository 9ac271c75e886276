/**
 * Issue 3 end to end: an aliases file drives delivery to files, Maildirs,
 * commands and :include: lists; command exit codes defer or bounce; a
 * bounce reaches the sender as an RFC 3464 report.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  python,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";

/** A home for the daemon with a world-writable scratch directory. */
async function homeWithAliases(aliases: (home: string) => string) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-local-" });
  await Deno.chmod(home, 0o755);
  const out = join(home, "out");
  await Deno.mkdir(out);
  // Commands and files named in a root-owned aliases file run as nobody.
  await Deno.chmod(out, 0o777);
  await Deno.writeTextFile(join(home, "aliases"), aliases(home));
  return home;
}

async function started(home: string, params: Record<string, string> = {}) {
  return await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      recipient_delimiter: "+",
      ...params,
    },
  });
}

async function finish(daemon: TestDaemon) {
  await daemon.stop();
  await Deno.remove(daemon.home, { recursive: true });
}

Deno.test("aliases deliver to a file, a Maildir, a command and an :include: list", async () => {
  const home = await homeWithAliases((h) =>
    [
      "# test aliases",
      `archive: ${h}/out/archive.mbox`,
      `infected: ${h}/out/infected/`,
      `logger: "|/bin/sh -c 'env > ${h}/out/env.txt; cat > ${h}/out/stdin.txt'"`,
      `team: :include:${h}/out/team.list`,
      "Postmaster: root",
      "everything: archive,",
      "  infected, logger",
    ].join("\n") + "\n"
  );
  await Deno.writeTextFile(
    join(home, "out", "team.list"),
    "# the team\nann, ben\ncid\n",
  );
  const daemon = await started(home);
  try {
    const [r1] = await sendWithSmtplib(daemon.port, "boss@example.test", [
      "everything@localhost",
    ]);
    assert.equal(r1.code, 250, r1.reply);
    const [r2] = await sendWithSmtplib(daemon.port, "boss@example.test", [
      "team@localhost",
    ]);
    assert.equal(r2.code, 250, r2.reply);

    const out = join(home, "out");
    await waitFor(
      "the file delivery",
      async () =>
        (await readMailbox("mbox", join(out, "archive.mbox")).catch(() => []))
            .length === 1 || undefined,
    );
    const [archived] = await readMailbox("mbox", join(out, "archive.mbox"));
    assert.equal(archived.subject, `test ${r1.token}`);
    assert.match(archived.from_line!, /^boss@example\.test /);

    await waitFor(
      "the Maildir delivery",
      async () =>
        (await listFiles(join(out, "infected", "new"))).length === 1 ||
        undefined,
    );
    const [infected] = await readMailbox("maildir", join(out, "infected"));
    assert.equal(infected.subject, `test ${r1.token}`);

    await waitFor(
      "the command",
      async () =>
        (await Deno.readTextFile(join(out, "stdin.txt")).catch(() => ""))
          .includes("bye") || undefined,
    );
    const env = Object.fromEntries(
      (await Deno.readTextFile(join(out, "env.txt"))).trim().split("\n").map((
        l,
      ) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    assert.equal(env.SENDER, "boss@example.test");
    assert.equal(env.RECIPIENT, "everything@localhost");
    assert.equal(env.LOCAL, "everything");
    assert.equal(env.DOMAIN, "localhost");
    assert.equal(env.EXTENSION, "");
    assert.equal(env.ORIGINAL_RECIPIENT, "everything@localhost");
    assert.ok(
      env.SHELL && env.HOME && env.USER && env.LOGNAME,
      JSON.stringify(env),
    );
    assert.equal(
      env.MAILSRV_HOME,
      undefined,
      "the daemon's environment leaked",
    );
    const stdin = await Deno.readTextFile(join(out, "stdin.txt"));
    assert.match(stdin, /^From boss@example\.test /);
    assert.match(stdin, /\nReturn-Path: <boss@example\.test>\n/);

    for (const user of ["ann", "ben", "cid"]) {
      const dir = join(home, "mail", user);
      await waitFor(
        `delivery to ${user}`,
        async () =>
          (await listFiles(join(dir, "new"))).length === 1 || undefined,
      );
      const [m] = await readMailbox("maildir", dir);
      assert.equal(m.subject, `test ${r2.token}`);
    }
  } finally {
    await finish(daemon);
  }
});

Deno.test("a command that exits 75 is deferred and retried; one that exits 1 bounces to the sender", async () => {
  const home = await homeWithAliases((h) =>
    [
      `busy: "|/bin/sh -c 'echo attempt >> ${h}/out/attempts; exit 75'"`,
      `broken: "|/bin/sh -c 'echo something went wrong; exit 1'"`,
    ].join("\n") + "\n"
  );
  const daemon = await started(home);
  try {
    const [busy] = await sendWithSmtplib(daemon.port, "sender@localhost", [
      "busy@localhost",
    ]);
    assert.equal(busy.code, 250);
    const id = busy.reply.match(/queued as (\S+)/)![1];
    await waitFor(
      "deferral",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "deferred"))).includes(
          id,
        ) || undefined,
    );
    assert.match(
      daemon.log(),
      new RegExp(
        `${id}: to=<busy@localhost>, .*dsn=4\\.3\\.0, status=deferred`,
      ),
    );
    const flush = await runMailsrv(["flush", "--config", daemon.configPath]);
    assert.equal(flush.code, 0, flush.stderr);
    await waitFor(
      "a second attempt",
      async () =>
        (await Deno.readTextFile(join(home, "out", "attempts")).catch(() => ""))
            .split("\n").filter(Boolean).length >= 2 || undefined,
    );

    const [broken] = await sendWithSmtplib(daemon.port, "sender@localhost", [
      "broken@localhost",
    ]);
    assert.equal(broken.code, 250);
    const brokenId = broken.reply.match(/queued as (\S+)/)![1];
    const bounceDir = join(home, "mail", "sender");
    await waitFor(
      "the bounce",
      async () =>
        (await listFiles(join(bounceDir, "new"))).length === 1 || undefined,
    );
    assert.match(
      daemon.log(),
      new RegExp(
        `${brokenId}: to=<broken@localhost>, .*dsn=5\\.3\\.0, status=bounced \\(.*something went wrong`,
      ),
    );
    const [bounceFile] = await listFiles(join(bounceDir, "new"));
    const report = JSON.parse(
      await python(
        `import email, json, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = list(m.walk())
status = [p for p in parts if p.get_content_type() == "message/delivery-status"][0]
fields = status.get_payload()
print(json.dumps({"type": m.get_content_type(), "report": m.get_param("report-type"),
  "subject": m["Subject"], "return_path": m["Return-Path"],
  "recipients": [str(f.get("Final-Recipient")) for f in fields[1:]],
  "status": [str(f.get("Status")) for f in fields[1:]],
  "action": [str(f.get("Action")) for f in fields[1:]],
  "original": any(p.get_content_type() in ("message/rfc822", "text/rfc822-headers") for p in parts)}))`,
        [join(bounceDir, "new", bounceFile)],
      ),
    );
    assert.equal(report.type, "multipart/report");
    assert.equal(report.report, "delivery-status");
    assert.equal(report.return_path, "<>");
    assert.match(report.subject, /Undelivered Mail Returned to Sender/);
    assert.deepEqual(report.recipients, ["rfc822; broken@localhost"]);
    assert.deepEqual(report.action, ["failed"]);
    assert.deepEqual(report.status, ["5.3.0"]);
    assert.equal(report.original, true);
  } finally {
    await finish(daemon);
  }
});

Deno.test("a message that already carries our Delivered-To bounces as a mail loop", async () => {
  const home = await homeWithAliases(() => "");
  const daemon = await started(home);
  try {
    const [sent] = await sendWithSmtplib(
      daemon.port,
      "",
      ["looping@localhost"],
      {
        body: "looping body\n",
        header: "Delivered-To: looping@localhost",
      },
    );
    assert.equal(sent.code, 250, sent.reply);
    const id = sent.reply.match(/queued as (\S+)/)![1];
    await waitFor(
      "the bounce log line",
      () =>
        new RegExp(
          `${id}: to=<looping@localhost>, .*dsn=5\\.4\\.6, status=bounced \\(mail forwarding loop`,
        ).test(daemon.log()) || undefined,
    );
    assert.deepEqual(await listFiles(join(home, "mail", "looping", "new")), []);
  } finally {
    await finish(daemon);
  }
});
