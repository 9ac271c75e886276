/**
 * The dial-up cycle end to end (issue 10): mail that cannot go out while
 * the "link" is down stays deferred, nothing bounces; `mailsrv flush`
 * delivers it once the link is up, through the running daemon or, with
 * the daemon stopped, as a one-shot queue run; `--site` and SMTP ETRN
 * limit the run to one domain; `--wait` reports and sets the exit code;
 * a one-shot run and `mailsrv start` exclude each other.
 *
 * The "link" is a local alias whose command exits 75 (EX_TEMPFAIL) until
 * a flag file exists, so the cycle runs without an SMTP client.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  mailsrvCommand,
  python,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

/** A home whose alias `link` delivers only while out/link-up exists. */
async function dialupHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-dialup-" });
  await Deno.chmod(home, 0o755);
  const out = join(home, "out");
  await Deno.mkdir(out);
  // The command runs as nobody (root-owned aliases file).
  await Deno.chmod(out, 0o777);
  await Deno.writeTextFile(
    join(out, "link.sh"),
    [
      `[ -e ${out}/link-up ] || exit 75`,
      `touch ${out}/started`,
      `while [ -e ${out}/hold ]; do sleep 0.05; done`,
      `cat >> ${out}/delivered`,
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(
    join(home, "aliases"),
    `link: "|/bin/sh ${out}/link.sh"\n`,
  );
  return home;
}

async function started(home: string): Promise<TestDaemon> {
  return await startDaemon({
    home,
    params: { alias_maps: `hash:${join(home, "aliases")}` },
  });
}

/** Sends one message to `to`; resolves to its queue ID. */
async function send(daemon: TestDaemon, to: string): Promise<string> {
  const [sent] = await sendWithSmtplib(daemon.port, "sender@localhost", [to]);
  assert.equal(sent.code, 250, sent.reply);
  return sent.reply.match(/queued as (\S+)/)![1];
}

async function deferredIds(daemon: TestDaemon): Promise<string[]> {
  return await listFiles(join(daemon.queueDirectory, "deferred"));
}

async function waitDeferred(daemon: TestDaemon, ids: string[]) {
  await waitFor("the deferrals", async () => {
    const deferred = await deferredIds(daemon);
    return ids.every((id) => deferred.includes(id)) || undefined;
  });
}

/** Messages the link command has delivered (one Subject: each). */
async function deliveredCount(home: string): Promise<number> {
  const text = await Deno.readTextFile(join(home, "out", "delivered")).catch(
    () => "",
  );
  return text.match(/^Subject: /gm)?.length ?? 0;
}

async function linkUp(home: string) {
  await Deno.writeTextFile(join(home, "out", "link-up"), "");
}

/** Runs `mailsrv ARGS…` with a terminal as standard output (script(1)). */
async function onTerminal(args: string[]) {
  const line = mailsrvCommand(args).map((a) => `'${a}'`).join(" ");
  const out = await new Deno.Command("script", {
    args: ["-qec", line, "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

async function flush(daemon: TestDaemon, ...args: string[]) {
  return await runMailsrv(["flush", "--config", daemon.configPath, ...args]);
}

Deno.test("dial-up with the daemon stopped: flush --wait runs the queue once, --site limits it", async () => {
  const home = await dialupHome();
  const daemon = await started(home);
  try {
    const local = await send(daemon, "link@localhost");
    const site = await send(daemon, "link@example.test");
    await waitDeferred(daemon, [local, site]);
    await daemon.stop();

    // Link still down: everything stays deferred, nothing bounces.
    const down = await flush(daemon, "--wait");
    assert.equal(down.code, 75, down.stderr);
    assert.equal(
      down.stdout,
      "flush: 2 messages: 0 sent, 2 deferred, 0 bounced\n",
    );
    assert.deepEqual((await deferredIds(daemon)).sort(), [local, site].sort());
    assert.deepEqual(await listFiles(join(home, "mail", "sender", "new")), []);

    await linkUp(home);
    const one = await flush(daemon, "--wait", "--site", "Example.TEST");
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout,
      "flush: 1 message: 1 sent, 0 deferred, 0 bounced\n",
    );
    assert.deepEqual(await deferredIds(daemon), [local]);

    // On a terminal, a progress line per message comes first.
    const rest = await onTerminal([
      "flush",
      "--wait",
      "--config",
      daemon.configPath,
    ]);
    assert.equal(rest.code, 0, rest.stdout);
    assert.equal(
      rest.stdout.replaceAll("\r\n", "\n"),
      `${local}: 1 sent\nflush: 1 message: 1 sent, 0 deferred, 0 bounced\n`,
    );
    assert.deepEqual(await deferredIds(daemon), []);
    assert.equal(await deliveredCount(home), 2);

    const idle = await flush(daemon);
    assert.deepEqual([idle.code, idle.stdout, idle.stderr], [0, "", ""]);
    const log = await Deno.readTextFile(join(home, "maillog"));
    assert.match(
      log,
      /mailsrv\/flush\[\d+\]: one-shot queue run started for site example\.test/,
    );
    assert.match(
      log,
      new RegExp(`${local}: to=<link@localhost>, .*status=sent`),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("dial-up with the daemon running: flush --wait reports, ETRN flushes a site", async () => {
  const home = await dialupHome();
  const daemon = await started(home);
  try {
    const first = await send(daemon, "link@localhost");
    await waitDeferred(daemon, [first]);
    const down = await flush(daemon, "--wait");
    assert.equal(down.code, 75, down.stderr);
    assert.equal(
      down.stdout,
      "flush: 1 message: 0 sent, 1 deferred, 0 bounced\n",
    );

    await linkUp(home);
    // Progress travels back over the control socket.
    const up = await onTerminal(["flush", "--wait", "-c", daemon.configPath]);
    assert.equal(up.code, 0, up.stdout);
    assert.equal(
      up.stdout.replaceAll("\r\n", "\n"),
      `${first}: 1 sent\nflush: 1 message: 1 sent, 0 deferred, 0 bounced\n`,
    );
    assert.equal(await deliveredCount(home), 1);

    // ETRN: only the named site's mail is tried.
    await Deno.remove(join(home, "out", "link-up"));
    const other = await send(daemon, "link@localhost");
    const site = await send(daemon, "link@example.test");
    await waitDeferred(daemon, [other, site]);
    await linkUp(home);
    const etrn = await python(
      `import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("dialup.example")
print(s.has_extn("etrn"))
for arg in ["", "example.test"]:
    code, text = s.docmd("ETRN", arg)
    print(code, text.decode())
s.quit()`,
      [String(daemon.port)],
    );
    assert.equal(
      etrn,
      "True\n500 5.5.2 Syntax: ETRN domain\n250 Queuing started\n",
    );
    await waitFor(
      "the site's delivery",
      async () => (await deliveredCount(home)) === 2 || undefined,
    );
    assert.deepEqual(await deferredIds(daemon), [other]);

    // Without --wait the daemon is only asked.
    const asked = await flush(daemon);
    assert.deepEqual([asked.code, asked.stdout], [0, ""]);
    await waitFor(
      "the last delivery",
      async () => (await deliveredCount(home)) === 3 || undefined,
    );
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a one-shot run holds the queue: start waits for it, a second run is refused", async () => {
  const home = await dialupHome();
  const daemon = await started(home);
  let oneShot: Deno.ChildProcess | undefined;
  try {
    const id = await send(daemon, "link@localhost");
    await waitDeferred(daemon, [id]);
    await daemon.stop();

    await linkUp(home);
    await Deno.writeTextFile(join(home, "out", "hold"), "");
    const [cmd, ...args] = mailsrvCommand([
      "flush",
      "--wait",
      "--config",
      daemon.configPath,
    ]);
    oneShot = new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The one-shot run is in the middle of the delivery.
    await waitFor(
      "the delivery to start",
      async () =>
        (await listFiles(join(home, "out"))).includes("started") || undefined,
    );

    const second = await flush(daemon, "--wait");
    assert.equal(second.code, 75);
    assert.match(
      second.stderr,
      /^mailsrv: another one-shot queue run \(pid \d+\) is delivering from ".*"; try again when it has finished\n$/,
    );

    const start = runMailsrv(["start", "--config", daemon.configPath]);
    await waitFor(
      "the daemon to wait",
      async () =>
        /waiting for the one-shot queue run \(pid \d+\) to finish/.test(
          await Deno.readTextFile(join(home, "maillog")),
        ) || undefined,
    );
    await Deno.remove(join(home, "out", "hold"));
    const result = await oneShot.output();
    oneShot = undefined;
    assert.equal(result.code, 0);
    assert.equal(
      new TextDecoder().decode(result.stdout),
      "flush: 1 message: 1 sent, 0 deferred, 0 bounced\n",
    );
    const begun = await start;
    assert.equal(begun.code, 0, begun.stderr);
    assert.match(
      begun.stdout,
      /^mailsrv: waiting for the one-shot queue run \(pid \d+\) to finish\nmailsrv: started \(pid \d+\)\n$/,
    );
    // The daemon found nothing left: delivered once, by the one-shot run.
    const status = await runMailsrv(["status", "--config", daemon.configPath]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(await deliveredCount(home), 1);
    assert.deepEqual(await deferredIds(daemon), []);
  } finally {
    if (oneShot) {
      oneShot.kill("SIGKILL");
      await oneShot.output();
    }
    await runMailsrv(["stop", "--config", daemon.configPath]);
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("defer_transports holds mail without an attempt; a flush delivers it; the ip-up hook clears it", async () => {
  const home = await dialupHome();
  await linkUp(home);
  const daemon = await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      defer_transports: "local",
    },
  });
  try {
    const held = await send(daemon, "link@localhost");
    await waitDeferred(daemon, [held]);
    assert.match(
      daemon.log(),
      new RegExp(
        `${held}: to=<link@localhost>, .*dsn=4\\.3\\.2, status=deferred \\(deferred transport\\)`,
      ),
    );
    assert.equal(await deliveredCount(home), 0, "no attempt was made");

    const flushed = await flush(daemon, "--wait");
    assert.equal(flushed.code, 0, flushed.stderr);
    assert.equal(
      flushed.stdout,
      "flush: 1 message: 1 sent, 0 deferred, 0 bounced\n",
    );
    assert.equal(await deliveredCount(home), 1);

    // ip-up of the "defer only while the link is down" style.
    for (
      const args of [["postconf", "-e", "defer_transports="], ["reload"]]
    ) {
      const r = await runMailsrv([...args, "--config", daemon.configPath]);
      assert.equal(r.code, 0, r.stderr);
    }
    await send(daemon, "link@localhost");
    await waitFor(
      "delivery without a flush",
      async () => (await deliveredCount(home)) === 2 || undefined,
    );
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});
