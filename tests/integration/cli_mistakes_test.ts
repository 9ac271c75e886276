/**
 * User mistakes on the command line get one line and a non-zero exit,
 * never a stack: wrong arguments to every subcommand, a second daemon on
 * the same queue, a queue directory that cannot be made, a refused
 * reload, and main.cf habits in the TOML file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliResult, runMailsrv, startDaemon } from "../helpers/daemon.ts";

async function withHome(body: (home: string) => Promise<void>) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-mistakes-" });
  try {
    await body(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** One line on stderr, nothing that looks like a stack, a failing exit. */
function assertOneLineRefusal(r: CliResult, what: string): void {
  assert.notEqual(r.code, 0, `${what}: exit code`);
  assert.doesNotMatch(r.stderr, /Uncaught|^\s+at /m, `${what}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^mailsrv: \S/, what);
}

/** Wrong command lines, by subcommand; every subcommand must have some. */
const WRONG: Readonly<Record<string, readonly string[][]>> = {
  run: [["run", "extra"]],
  start: [["start", "now"]],
  stop: [["stop", "now"]],
  status: [["status", "--json=yes"]],
  reload: [["reload", "now"]],
  flush: [["flush", "-f"]],
  pop3: [["pop3", "x"], ["pop3", "--inetd", "x"]],
  domain: [["domain"], ["domain", "add", "a.example", "b.example"]],
  user: [["user", "frob"], ["user", "add", "--maildir", "--mbox", "a@b"]],
  queue: [["queue", "deferred"], ["queue", "hold"], ["queue", "show"]],
  postsuper: [["postsuper", "-x"], ["postsuper", "-d", "ALL", "nowhere"]],
  postcat: [["postcat", "8DsBw0lSIIgfQSJ"], ["postcat", "-q"]],
  state: [["state"], ["state", "list", "rates"], [
    "state",
    "delete",
    "greylist",
  ]],
  check: [["check", "everything"]],
  postconf: [["postconf", "-e", "myhostname"], ["postconf", "-n", "-d"]],
  postmap: [["postmap"], ["postmap", "-q"]],
  postalias: [["postalias"], ["postalias", "-z", "/etc/aliases"]],
  "import-postfix": [
    ["import-postfix", "/nonexistent/postfix"],
    ["import-postfix", "a", "b"],
  ],
  newaliases: [["newaliases", "/etc/aliases"]],
  sendmail: [["sendmail", "-Z"], ["sendmail", "-bp", "root"]],
  dkim: [["dkim"], ["dkim", "keygen"], ["dkim", "keygen", "not a domain"], [
    "dkim",
    "keygen",
    "example.com",
    "--type",
    "dsa",
  ]],
  "deliver-file": [
    ["deliver-file"],
    ["deliver-file", "--sender=a", "--recipient=b", "--", "/x"],
  ],
  help: [["help", "run", "extra"]],
};

Deno.test("every subcommand refuses wrong arguments with one line", async () => {
  await withHome(async (home) => {
    const help = await runMailsrv(["help"]);
    const commands = [...help.stdout.matchAll(/^ {2}(\S+) {2,}\S/gm)].map((
      m,
    ) => m[1]);
    assert.ok(commands.length >= 15, help.stdout);
    assert.deepEqual(commands.sort(), Object.keys(WRONG).sort());

    const global = [
      ["--config"],
      ["frobnicate"],
      ["status", "--config", join(home, "missing.toml")],
      ["queue", "--config", home],
    ];
    const lines = [...Object.values(WRONG).flat(), ...global];
    // A few at a time: each is a Deno process.
    for (let i = 0; i < lines.length; i += 4) {
      await Promise.all(
        lines.slice(i, i + 4).map(async (args) => {
          const r = await runMailsrv(args, {
            cwd: home,
            env: { MAILSRV_HOME: home },
          });
          assertOneLineRefusal(r, `mailsrv ${args.join(" ")}`);
        }),
      );
    }
  });
});

Deno.test("an argument a command does not take is refused, not ignored", async () => {
  const r = await runMailsrv(["flush", "example.com"]);
  assert.equal(r.code, 64);
  assert.equal(
    r.stderr,
    'mailsrv: unexpected argument "example.com"; usage: mailsrv flush [--config PATH] [--site DOMAIN] [--wait]\n',
  );
});

Deno.test("run while a daemon runs on the same queue: one line, the daemon unharmed", async () => {
  const daemon = await startDaemon();
  try {
    const second = await runMailsrv(["run", "--config", daemon.configPath]);
    assertOneLineRefusal(second, "second run");
    assert.match(
      second.stderr,
      new RegExp(
        `^mailsrv: fatal: another mailsrv daemon is running on queue "${daemon.queueDirectory}" \\(pid \\d+\\)\\n$`,
      ),
    );
    const status = await runMailsrv(["status", "--config", daemon.configPath]);
    assert.equal(status.code, 0, status.stderr);
  } finally {
    await daemon.stop();
  }
});

Deno.test("start with a queue directory that cannot be made says where and why", async () => {
  await withHome(async (home) => {
    // A file where a directory must be: refused even for root.
    await Deno.writeTextFile(join(home, "spool"), "not a directory\n");
    const config = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      config,
      `queue_directory = "${home}/spool/mailsrv"\n\n` +
        `[[listener]]\naddress = "127.0.0.1"\nport = 1\nkind = "smtp"\n`,
    );
    const r = await runMailsrv(["start", "--config", config]);
    assertOneLineRefusal(r, "start");
    assert.match(
      r.stderr,
      new RegExp(
        `^mailsrv: fatal: the daemon did not start: cannot \\w+ "${home}/spool/mailsrv[^"]*": Not a directory$`,
        "m",
      ),
    );
    if (Deno.uid() === 0) return; // root may write anywhere
    await Deno.remove(join(home, "spool"));
    await Deno.mkdir(join(home, "spool"), { mode: 0o555 });
    const denied = await runMailsrv(["start", "--config", config]);
    assertOneLineRefusal(denied, "start");
    assert.match(denied.stderr, /: Permission denied$/m);
  });
});

Deno.test("a refused reload says the daemon keeps its configuration", async () => {
  const daemon = await startDaemon();
  try {
    const good = await Deno.readTextFile(daemon.configPath);
    await Deno.writeTextFile(
      daemon.configPath,
      good.replace(/^#.*\n/, "#\nmessage_size_limt = 5\n"),
    );
    const r = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `mailsrv: reload refused: ${daemon.configPath}:2: message_size_limt: ` +
        `unknown parameter (did you mean "message_size_limit"?), ` +
        "the daemon keeps running its previous configuration\n",
    );
    await Deno.writeTextFile(daemon.configPath, good);
    const status = await runMailsrv(["status", "--config", daemon.configPath]);
    assert.equal(status.code, 0, status.stderr);
  } finally {
    await daemon.stop();
  }
});

Deno.test("TOML mistakes are explained in Postfix terms, with file and line", async () => {
  await withHome(async (home) => {
    const config = join(home, "mailsrv.toml");
    const queue = `queue_directory = "${home}/queue"\n`;

    await Deno.writeTextFile(
      config,
      `${queue}myhostname = mail.home.example   # the name\n`,
    );
    const unquoted = await runMailsrv(["check", "--config", config]);
    assert.equal(unquoted.code, 1);
    assert.equal(
      unquoted.stderr,
      `mailsrv: fatal: ${config}:2: myhostname: the value must be quoted: ` +
        `myhostname = "mail.home.example" ` +
        "(TOML, unlike main.cf, needs quotes around text)\n",
    );

    await Deno.writeTextFile(
      config,
      `mailbox_command = /usr/bin/procmail -a "$EXTENSION"\n`,
    );
    const withQuotes = await runMailsrv(["check", "--config", config]);
    assert.match(
      withQuotes.stderr,
      /:1: mailbox_command: the value must be quoted: mailbox_command = '\/usr\/bin\/procmail -a "\$EXTENSION"' /,
    );

    // The natural edit: a line appended at the end of the file.
    await Deno.writeTextFile(
      config,
      `${queue}\n[[listener]]\naddress = "127.0.0.1"\nport = 2525\n` +
        `message_size_limit = 20480000\n`,
    );
    const appended = await runMailsrv(["check", "--config", config]);
    assert.equal(appended.code, 1);
    assert.equal(
      appended.stderr,
      `mailsrv: fatal: ${config}:6: message_size_limit: this parameter is ` +
        "inside a [[listener]] table: in TOML every line after a table " +
        "header belongs to that table; move it above the first [[listener]] " +
        "line (line 3)\n",
    );

    // A misspelled listener setting keeps its own message.
    await Deno.writeTextFile(
      config,
      `${queue}\n[[listener]]\naddress = "127.0.0.1"\nprot = 2525\n`,
    );
    const typo = await runMailsrv(["check", "--config", config]);
    assert.match(
      typo.stderr,
      /:5: listener\.prot: unknown listener setting \(did you mean "port"\?\)/,
    );
  });
});
