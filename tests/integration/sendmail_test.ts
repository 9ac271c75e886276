/**
 * `mailsrv sendmail` end to end: the checkout's bin/mailsrv run through
 * links named sendmail, mailq and newaliases, shell pipes, an SMTP
 * dialogue (-bs) from Python's smtplib over pipes, and pickup by a
 * daemon that was stopped at submission or running.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  listFiles,
  python,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

const BIN = new URL("../../bin/mailsrv", import.meta.url).pathname;

/** A home with a config like startDaemon's, and links to bin/mailsrv. */
async function setUp(): Promise<
  { home: string; config: string; port: number; bin: string }
> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-sendmail-" });
  const port = freePort();
  const config = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    join(home, "resolv.conf"),
    "nameserver 127.0.0.1:9\n",
  );
  await Deno.writeTextFile(
    config,
    [
      `myhostname = "mx.example.test"`,
      `mydestination = "localhost, example.test"`,
      `mynetworks = "127.0.0.0/8"`,
      `queue_directory = "${join(home, "queue")}"`,
      `mail_spool_directory = "${join(home, "mail")}/"`,
      `local_recipient_maps = ""`,
      `maillog_file = "${join(home, "maillog")}"`,
      `resolv_conf = "${join(home, "resolv.conf")}"`,
      ``,
      `[[listener]]`,
      `address = "127.0.0.1"`,
      `port = ${port}`,
      `kind = "smtp"`,
      ``,
    ].join("\n"),
  );
  const bin = join(home, "bin");
  await Deno.mkdir(bin);
  for (const name of ["sendmail", "mailq", "newaliases"]) {
    await Deno.symlink(BIN, join(bin, name));
  }
  return { home, config, port, bin };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `program ARGS` with `input` on standard input. */
async function run(
  program: string,
  args: readonly string[],
  input = "",
  env: Record<string, string> = {},
): Promise<Run> {
  const child = new Deno.Command(program, {
    args: [...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

async function readQueueFile(dir: string): Promise<string> {
  const [name] = await listFiles(dir);
  assert.ok(name, `a file in ${dir}`);
  return await Deno.readTextFile(join(dir, name));
}

/** The one message delivered to `user`'s Maildir, once it is there. */
async function delivered(home: string, user: string): Promise<string> {
  const dir = join(home, "mail", user, "new");
  const [name] = await waitFor(
    `mail for ${user}`,
    async () => {
      const names = await listFiles(dir);
      return names.length > 0 ? names : undefined;
    },
  );
  return await Deno.readTextFile(join(dir, name));
}

Deno.test("sendmail -t from a shell pipe: maildrop file with headers added, Bcc removed", async () => {
  const { home, config, bin } = await setUp();
  const r = await run("sh", [
    "-c",
    `printf 'To: Bob <bob@localhost>, "Doe, Jane" <jane@example.test>\\nBcc: carol\\nSubject: pipe\\n\\nline one\\n.\\nafter the dot\\n' | ${
      join(bin, "sendmail")
    } -C ${config} -t -F 'Alice Example' -N success,failure -R hdrs -V env42`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const file = await readQueueFile(join(home, "queue", "maildrop"));
  assert.match(file, /^protocol=LOCAL$/m);
  assert.match(file, /^rcpt=P bob@localhost\nnotify=SUCCESS,FAILURE$/m);
  assert.match(file, /^rcpt=P jane@example\.test$/m);
  assert.match(file, /^rcpt=P carol@mx\.example\.test$/m);
  assert.match(file, /^ret=HDRS$/m);
  assert.match(file, /^envid=env42$/m);
  assert.match(
    file,
    /^Received: by mx\.example\.test \(mailsrv, from userid \d+\)\n\tid \w{15}; /m,
  );
  assert.match(file, /^From: Alice Example <\S+@mx\.example\.test>$/m);
  assert.match(file, /^Date: \w{3}, /m);
  assert.match(file, /^Message-Id: <\d{14}\.\w{15}@mx\.example\.test>$/m);
  assert.ok(!/^Bcc:/im.test(file), "Bcc: removed");
  assert.match(file, /\n\nline one\n$/);
});

Deno.test("sendmail -i keeps a lone dot; -f sets the sender; arguments are address lists", async () => {
  const { home, config, bin } = await setUp();
  const r = await run(join(bin, "sendmail"), [
    "-C",
    config,
    "-oi",
    "-fowner@example.test",
    "--",
    "Bob <bob@localhost>, carol",
  ], "Subject: dots\r\n\r\n.\r\nend\r\n");
  assert.equal(r.code, 0, r.stderr);
  const file = await readQueueFile(join(home, "queue", "maildrop"));
  assert.match(file, /^sender=owner@example\.test$/m);
  assert.match(file, /^rcpt=P bob@localhost\nrcpt=P carol@mx\.example\.test$/m);
  assert.match(file, /^From: .*<owner@example\.test>$/m);
  assert.match(file, /\n\n\.\nend\n$/);
});

Deno.test("sendmail exits with sysexits codes and leaves nothing queued", async () => {
  const { home, config, bin } = await setUp();
  const sendmail = join(bin, "sendmail");
  const cases: Array<[string[], string, number, RegExp]> = [
    [["-C", config, "-Z"], "x\n", 64, /invalid option/],
    [["-C", config, "-B", "9BIT", "bob"], "x\n", 64, /-B option needs/],
    [["-C", config], "x\n", 64, /Recipient addresses must be specified/],
    [["-C", config, "-t"], "Subject: none\n\nx\n", 64, /No recipient/],
    [["-C", config, "bob@@localhost"], "x\n", 65, /bad address/],
    [["-C", config, "<bob@localhost"], "x\n", 65, /bad address/],
    [["-C", config, "-t"], "To: <bob\n\nx\n", 65, /unable to extract/],
    [["-C", join(home, "none.toml"), "bob"], "x\n", 75, /none\.toml/],
  ];
  for (const [args, input, code, message] of cases) {
    const r = await run(sendmail, args, input);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^sendmail: fatal: /);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(await listFiles(join(home, "queue", "maildrop")), []);
  assert.deepEqual(await listFiles(join(home, "queue", "tmp")), []);
});

Deno.test("sendmail enforces message_size_limit", async () => {
  const { home, config, bin } = await setUp();
  await Deno.writeTextFile(
    config,
    `message_size_limit = 1000\n` + await Deno.readTextFile(config),
  );
  const r = await run(
    join(bin, "sendmail"),
    ["-C", config, "bob@localhost"],
    "Subject: big\n\n" + "x".repeat(2000) + "\n",
  );
  assert.equal(r.code, 69, r.stderr);
  assert.match(r.stderr, /message file too big/);
  assert.deepEqual(await listFiles(join(home, "queue", "maildrop")), []);
});

Deno.test("sendmail with the daemon stopped: delivered once the daemon starts", async () => {
  const { home, config, port, bin } = await setUp();
  const r = await run(
    join(bin, "sendmail"),
    ["-C", config, "-t"],
    "To: bob@localhost\nSubject: while down\n\nqueued while down\n",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await listFiles(join(home, "queue", "maildrop"))).length, 1);
  const daemon = await startDaemon({ home, port });
  try {
    const message = await delivered(home, "bob");
    assert.match(message, /^Subject: while down$/m);
    assert.match(message, /queued while down/);
    assert.deepEqual(await listFiles(join(home, "queue", "maildrop")), []);
    assert.match(
      await Deno.readTextFile(join(home, "maillog")),
      /pickup\[\d+\]: \w{15}: uid=\d+ from=<\S+@mx\.example\.test>/,
    );
  } finally {
    await daemon.stop();
  }
});

Deno.test("sendmail with the daemon running: delivered without a restart; mailq and newaliases links", async () => {
  const { home, port, bin } = await setUp();
  const daemon = await startDaemon({ home, port });
  try {
    const r = await run(
      join(bin, "sendmail"),
      ["-C", daemon.configPath, "carol@localhost"],
      "Subject: while up\n\nqueued while up\n",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(await delivered(home, "carol"), /queued while up/);
    const q = await run(join(bin, "mailq"), ["-C", daemon.configPath]);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /Mail queue is empty/);
    const n = await run(join(bin, "newaliases"), ["-C", daemon.configPath]);
    assert.equal(n.code, 0, n.stderr);
    assert.match(n.stdout, /aliases/);
  } finally {
    await daemon.stop();
  }
});

Deno.test("sendmail -bs: an SMTP dialogue from Python's smtplib over pipes", async () => {
  const { home, config, bin } = await setUp();
  const script = `
import smtplib, subprocess, sys
class Pipe:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    def sendall(self, data):
        self.p.stdin.write(data); self.p.stdin.flush()
    def makefile(self, mode):
        return self.p.stdout
    def close(self):
        self.p.stdin.close(); self.p.wait()
class PipeSMTP(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        return Pipe([sys.argv[1], "-C", sys.argv[2], "-bs"])
s = PipeSMTP()
code, banner = s.connect("localhost", 25)
print(code, banner.decode())
s.ehlo("client.example.test")
print("8BITMIME" if s.has_extn("8bitmime") else "no 8BITMIME")
refused = s.sendmail("alice@example.test", ["bob@localhost", "someone@remote.example"],
  b"Subject: over a pipe\\r\\n\\r\\nhello from smtplib\\r\\n")
print("refused", refused)
s.quit()
`;
  const out = await python(script, [join(bin, "sendmail"), config]);
  assert.match(out, /^220 mx\.example\.test/m);
  assert.match(out, /^refused \{\}$/m);
  const file = await readQueueFile(join(home, "queue", "maildrop"));
  assert.match(file, /^protocol=ESMTP$/m);
  assert.match(file, /^rcpt=P someone@remote\.example$/m);
  assert.match(
    file,
    /^Received: from client\.example\.test \(localhost \[127\.0\.0\.1\]\)/m,
  );
  // Relaying is allowed (the local user is trusted); the maildrop file
  // is picked up like any other (tests above).
  assert.match(file, /hello from smtplib/);
});

Deno.test("sendmail -bv prints what becomes of each recipient", async () => {
  const { config, bin } = await setUp();
  const r = await run(join(bin, "sendmail"), [
    "-C",
    config,
    "-bv",
    "bob@localhost",
    "someone@remote.example",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /printed here, not mailed/);
  assert.match(r.stdout, /^<bob@localhost>: deliverable: local /m);
  assert.match(r.stdout, /^<someone@remote\.example>: deliverable: smtp:/m);
});
