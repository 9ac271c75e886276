/**
 * The command line as an administrator uses it: help, configuration
 * errors, postconf, check, and the daemon's life cycle through
 * start/status/reload/stop and the embedded default.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  canConnect,
  freePort,
  listFiles,
  mailsrvCommand,
  runMailsrv,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

async function tempHome(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "mailsrv-cli-" });
}

Deno.test("help, version and bad command lines", async () => {
  const help = await runMailsrv(["help"]);
  assert.equal(help.code, 0);
  for (
    const name of [
      "run",
      "start",
      "stop",
      "status",
      "reload",
      "flush",
      "queue",
      "check",
      "postconf",
    ]
  ) {
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, "m"));
  }
  const queueHelp = await runMailsrv(["queue", "--help"]);
  assert.equal(queueHelp.code, 0);
  assert.match(queueHelp.stdout, /^usage: mailsrv queue/);
  assert.equal(
    (await runMailsrv(["help", "stop"])).stdout,
    (await runMailsrv(["stop", "-h"])).stdout,
  );
  assert.match(
    (await runMailsrv(["--version"])).stdout,
    /^mailsrv \d+\.\d+\.\d+/,
  );

  const unknown = await runMailsrv(["frobnicate"]);
  assert.equal(unknown.code, 64);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const badOption = await runMailsrv(["queue", "--bogus"]);
  assert.equal(badOption.code, 64);
  assert.match(badOption.stderr, /--bogus/);
  assert.match(badOption.stderr, /usage: mailsrv queue/);
});

Deno.test("configuration errors name the file, line and key, with a suggestion", async () => {
  const home = await tempHome();
  try {
    const path = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      path,
      `# test\nmyhostname = "mx.example.test"\n\nmessage_size_limt = 5\n`,
    );
    const r = await runMailsrv(["check", "--config", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `${
          path.replaceAll(".", "\\.")
        }:4: message_size_limt: unknown parameter \\(did you mean "message_size_limit"\\?\\)`,
      ),
    );

    await Deno.writeTextFile(path, `smtpd_timeout = "soon"\n`);
    const bad = await runMailsrv(["run", "--config", path]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /:1: smtpd_timeout: /);

    const missing = await runMailsrv([
      "check",
      "--config",
      join(home, "nope.toml"),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.toml/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("postconf shows and edits parameters, keeping comments", async () => {
  const home = await tempHome();
  try {
    const path = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      path,
      `# my mail server\nmyhostname = "mx.example.test" # the name\nqueue_directory = "${
        join(home, "q")
      }"\n`,
    );
    const one = await runMailsrv([
      "postconf",
      "--config",
      path,
      "myhostname",
      "mydomain",
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout,
      "myhostname = mx.example.test\nmydomain = example.test\n",
    );
    const nonDefault = await runMailsrv(["postconf", "--config", path, "-n"]);
    assert.match(nonDefault.stdout, /^myhostname = mx\.example\.test$/m);
    assert.doesNotMatch(nonDefault.stdout, /^message_size_limit/m);
    const defaults = await runMailsrv([
      "postconf",
      "--config",
      path,
      "-d",
      "message_size_limit",
    ]);
    assert.equal(defaults.stdout, "message_size_limit = 10240000\n");

    const edit = await runMailsrv([
      "postconf",
      "--config",
      path,
      "-e",
      "message_size_limit=2048",
      "mydestination=localhost, example.test",
    ]);
    assert.equal(edit.code, 0, edit.stderr);
    const text = await Deno.readTextFile(path);
    assert.match(text, /^# my mail server$/m);
    assert.match(text, /# the name/);
    assert.equal(
      (await runMailsrv(["postconf", "--config", path, "message_size_limit"]))
        .stdout,
      "message_size_limit = 2048\n",
    );

    const refused = await runMailsrv([
      "postconf",
      "--config",
      path,
      "-e",
      "smtpd_timeout=never",
    ]);
    assert.notEqual(refused.code, 0);
    assert.equal(
      await Deno.readTextFile(path),
      text,
      "a refused edit must not touch the file",
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("start, status, reload and stop a background daemon", async () => {
  const home = await tempHome();
  const port = freePort();
  const port2 = freePort();
  const path = join(home, "mailsrv.toml");
  const base = `myhostname = "mx.example.test"
mydestination = "localhost"
queue_directory = "${join(home, "queue")}"
mail_spool_directory = "${join(home, "mail")}/"
local_recipient_maps = ""
maillog_file = "${join(home, "maillog")}"

[[listener]]
address = "127.0.0.1"
port = ${port}
kind = "smtp"
`;
  await Deno.writeTextFile(path, base);
  try {
    const check = await runMailsrv(["check", "--config", path]);
    assert.equal(check.code, 0, check.stderr);

    const down = await runMailsrv(["status", "--config", path]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /not running/);

    const start = await runMailsrv(["start", "--config", path]);
    assert.equal(start.code, 0, start.stderr);
    assert.ok(
      await canConnect(port),
      "start returned before the daemon listened",
    );
    const again = await runMailsrv(["start", "--config", path]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running/);

    const status = await runMailsrv(["status", "--config", path]);
    assert.equal(status.code, 0, status.stderr);
    const pid = Number(status.stdout.match(/pid (\d+)/)![1]);
    assert.equal(
      Number(
        (await Deno.readTextFile(join(home, "queue", "pid", "master.pid")))
          .trim(),
      ),
      pid,
    );

    // A broken configuration is refused (file, line, key) and the running one kept.
    await Deno.writeTextFile(path, `bogus_parameter = 1\n` + base);
    const broken = await runMailsrv(["reload", "--config", path]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /mailsrv\.toml:1: bogus_parameter: unknown parameter/,
    );
    assert.ok(await canConnect(port));

    // A listener that cannot bind makes the daemon refuse the reload whole.
    const squatter = Deno.listen({ hostname: "127.0.0.1", port: port2 });
    await Deno.writeTextFile(
      path,
      base +
        `\n[[listener]]\naddress = "127.0.0.1"\nport = ${port2}\nkind = "smtp"\n`,
    );
    const refused = await runMailsrv(["reload", "--config", path]);
    squatter.close();
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`reload refused: cannot listen on 127\\.0\\.0\\.1:${port2}`),
    );
    assert.ok(await canConnect(port));

    // A new listener appears on reload without a restart.
    await Deno.writeTextFile(
      path,
      base +
        `\n[[listener]]\naddress = "127.0.0.1"\nport = ${port2}\nkind = "smtp"\n`,
    );
    const reload = await runMailsrv(["reload", "--config", path]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.ok(await canConnect(port2));
    const [sent] = await sendWithSmtplib(port2, "a@example.test", [
      "r@localhost",
    ]);
    assert.equal(sent.code, 250);
    await waitFor(
      "delivery",
      async () =>
        (await listFiles(join(home, "mail", "r", "new"))).length === 1 ||
        undefined,
    );

    const flush = await runMailsrv(["flush", "--config", path]);
    assert.equal(flush.code, 0, flush.stderr);

    const stop = await runMailsrv(["stop", "--config", path]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await canConnect(port), false);
    assert.equal((await runMailsrv(["status", "--config", path])).code, 1);
    // Stopped: a one-shot run in this process, with nothing to do.
    assert.equal((await runMailsrv(["flush", "--config", path])).code, 0);
    const log = await Deno.readTextFile(join(home, "maillog"));
    assert.match(log, /mailsrv\/master\[\d+\]: daemon started -- version/);
    assert.match(log, /reload failed, keeping the running configuration/);
    assert.match(log, /daemon stopped/);
  } finally {
    // The test may have left a broken file behind: stop with a good one.
    await Deno.writeTextFile(path, base);
    await runMailsrv(["stop", "--config", path]);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the embedded default: no config file, everything under $MAILSRV_HOME, SMTP on 127.0.0.1:2525", async () => {
  if (await canConnect(2525)) {
    throw new Error("port 2525 is busy; the embedded-default test needs it");
  }
  const home = await tempHome();
  const [cmd, ...args] = mailsrvCommand(["run"]);
  const daemon = new Deno.Command(cmd, {
    args,
    env: { MAILSRV_HOME: home },
    cwd: home,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(
      "port 2525",
      async () => (await canConnect(2525)) || undefined,
    );
    const [sent] = await sendWithSmtplib(2525, "me@example.test", [
      "someone@localhost",
    ]);
    assert.equal(sent.code, 250, sent.reply);
    await waitFor(
      "delivery under var/mail",
      async () =>
        (await listFiles(join(home, "var", "mail", "someone", "new")))
            .length === 1 || undefined,
    );
    // The embedded default keeps a starter aliases file under var/.
    assert.match(
      await Deno.readTextFile(join(home, "var", "aliases")),
      /^# mailsrv aliases/,
    );
    const aliases = await runMailsrv(["newaliases"], {
      env: { MAILSRV_HOME: home },
      cwd: home,
    });
    assert.equal(aliases.code, 0, aliases.stderr);
    const stop = await runMailsrv(["stop"], {
      env: { MAILSRV_HOME: home },
      cwd: home,
    });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await daemon.status).code, 0);
  } finally {
    try {
      daemon.kill("SIGKILL");
    } catch {
      // already exited
    }
    await daemon.status;
    await Deno.remove(home, { recursive: true });
  }
});
