/**
 * Issue 8 end to end: with the README's layout (pop3_passwd_directory =
 * virtual_mailbox_base), a mailbox must never be a domain's POP3 password
 * file. The attack — a user `passwd@domain`, mailed a credential line,
 * then a POP3 login with that credential — is refused at every step:
 * `mailsrv user add`, RCPT, delivery, the POP3 login and `user del
 * --purge`; the same for a hand-written map line and for a symbolic link
 * planted in the mailbox base.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));

/** POP3 login (and STAT) with Python's poplib: the error text, or "ok". */
async function pop3Login(
  port: number,
  login: string,
  password: string,
): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: [PROBE, String(port), login, password],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`pop3_probe.py: ${dec.decode(out.stderr)}`);
  const result = JSON.parse(dec.decode(out.stdout));
  return result.error ?? "ok";
}

/** A credential line an attacker would mail: `eve:<bcrypt of "evil">`. */
async function credentialLine(): Promise<string> {
  const out = await new Deno.Command("htpasswd", {
    args: ["-nbB", "eve", "evil"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/** The real daemon on the classic setup plus `extra` map and alias lines. */
async function withGuardedDaemon(
  extra: { mailboxes?: string; aliases?: string },
  fn: (daemon: TestDaemon, pop3: number, base: string) => Promise<void>,
): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-guard-" });
  const setup = await virtualSetup(home);
  await Deno.writeTextFile(
    join(home, "vmailbox"),
    extra.mailboxes ?? "",
    { append: true },
  );
  await Deno.writeTextFile(join(home, "valias"), extra.aliases ?? "");
  const pop3 = freePort();
  const daemon = await startDaemon({
    home,
    params: {
      ...setup.params,
      virtual_alias_maps: `hash:${join(home, "valias")}`,
    },
    listeners: [{ kind: "pop3", port: pop3 }],
  });
  try {
    await fn(daemon, pop3, setup.base);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
}

/** Every CLI failure is one `mailsrv: error:` line, exit 1. */
function assertOneLineError(
  result: { code: number; stderr: string },
  pattern: RegExp,
): void {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, no stack trace:\n${result.stderr}`);
  assert.match(lines[0], /^mailsrv: error: /);
  assert.match(lines[0], pattern);
}

Deno.test("the attack through mailsrv user add: refused at add, RCPT and POP3", async () => {
  if (!requireProgram("htpasswd")) return;
  await withGuardedDaemon({}, async (daemon, pop3, base) => {
    const cli = (args: string[], stdin?: string) =>
      runMailsrv([...args, "--config", daemon.configPath], { stdin });
    assert.equal((await cli(["domain", "add", "virt.test"])).code, 0);
    const added = await cli(
      ["user", "add", "--password-stdin", "alice@virt.test"],
      "secret1\n",
    );
    assert.equal(added.code, 0, added.stderr);
    const passwd = join(base, "virt.test", "passwd");
    const before = await Deno.readTextFile(passwd);

    for (const format of ["--mbox", "--maildir"]) {
      assertOneLineError(
        await cli(
          ["user", "add", format, "--password-stdin", "passwd@virt.test"],
          "x\n",
        ),
        /cannot add "passwd@virt\.test": "passwd" is reserved: it is the name of a domain's POP3 password file/,
      );
    }
    assertOneLineError(
      await cli(["user", "add", "--password-stdin", "a.lock@virt.test"], "x\n"),
      /"a\.lock" is reserved: .*lock file of mailbox "a"/,
    );
    assert.doesNotMatch(
      await Deno.readTextFile(join(daemon.home, "vmailbox")),
      /passwd@/,
    );

    const [sent] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "passwd@virt.test",
    ], { body: `${await credentialLine()}\n` });
    assert.equal(sent.code, 550);
    assert.match(sent.reply, /^5\.1\.1 /);
    assert.equal(
      await pop3Login(pop3, "eve@virt.test", "evil"),
      "-ERR [AUTH] Authentication failed",
    );
    assert.equal(await Deno.readTextFile(passwd), before);
    assert.equal(await pop3Login(pop3, "alice@virt.test", "secret1"), "ok");

    assertOneLineError(
      await cli(["user", "del", "--purge", "passwd@virt.test"]),
      /no such user "passwd@virt\.test"/,
    );
    assert.equal(await Deno.readTextFile(passwd), before);
  });
});

Deno.test("a hand-written map line at the passwd file: 451 at RCPT, deferred at delivery, no POP3 login, no purge", async () => {
  if (!requireProgram("htpasswd")) return;
  await withGuardedDaemon({
    mailboxes: "passwd@one.test  one.test/passwd\n",
    aliases: "list@one.test  passwd@one.test\n",
  }, async (daemon, pop3, base) => {
    const passwd = join(base, "one.test", "passwd");
    // The administrator also gave the mistaken user a password.
    const htpasswd = await new Deno.Command("htpasswd", {
      args: ["-bB", passwd, "passwd", "secret3"],
      stderr: "null",
    }).output();
    assert.ok(htpasswd.success);
    const before = await Deno.readTextFile(passwd);
    const credential = `${await credentialLine()}\n`;

    const [direct] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "passwd@one.test",
    ], { body: credential });
    assert.equal(direct.code, 451);
    assert.match(direct.reply, /^4\.3\.0 /);
    assert.match(
      daemon.log(),
      /mailsrv\/smtpd\[\d+\]: warning: virtual_mailbox_maps entry for <passwd@one\.test> refused: mailbox ".*\/one\.test\/passwd" is the POP3 password file of "one\.test"/,
    );

    // Through an alias RCPT cannot see the target: delivery defers.
    const [viaAlias] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "list@one.test",
    ], { body: credential });
    assert.equal(viaAlias.code, 250);
    await waitFor(
      "the deferral",
      () =>
        /to=<list@one\.test>.*status=deferred \(.*is the POP3 password file of "one\.test"\)/
          .test(daemon.log()) || undefined,
    );
    assert.equal(await Deno.readTextFile(passwd), before);

    assert.equal(
      await pop3Login(pop3, "eve@one.test", "evil"),
      "-ERR [AUTH] Authentication failed",
    );
    assert.match(
      await pop3Login(pop3, "passwd@one.test", "secret3"),
      /^-ERR \[SYS\/TEMP\]/,
    );
    assert.match(
      daemon.log(),
      /pop3d\[\d+\]: warning: authentication of <passwd@one\.test> failed: .*is the POP3 password file/,
    );

    assertOneLineError(
      await runMailsrv([
        "user",
        "del",
        "--purge",
        "passwd@one.test",
        "--config",
        daemon.configPath,
      ]),
      /not purging "passwd@one\.test": .*is the POP3 password file of "one\.test"; nothing was changed/,
    );
    assert.equal(await Deno.readTextFile(passwd), before);
  });
});

Deno.test("a link planted in the mailbox base: refused at delivery and POP3", async () => {
  if (!requireProgram("htpasswd")) return;
  await withGuardedDaemon({
    aliases: "list@one.test  alice@one.test\n",
  }, async (daemon, pop3, base) => {
    // alice's mbox (one.test/alice) becomes a link to two.test's passwd.
    await Deno.symlink("../two.test/passwd", join(base, "one.test", "alice"));
    const passwd = join(base, "two.test", "passwd");
    const before = await Deno.readTextFile(passwd);
    const credential = `${await credentialLine()}\n`;

    // smtpd's thread may not look into the mailbox base (its sandbox), so
    // it cannot see the link: delivery does, and defers both ways in.
    const [direct] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "alice@one.test",
    ], { body: credential });
    assert.equal(direct.code, 250);
    const [viaAlias] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "list@one.test",
    ], { body: credential });
    assert.equal(viaAlias.code, 250);
    for (const to of ["alice", "list"]) {
      await waitFor(
        `the deferral for ${to}`,
        () =>
          new RegExp(
            `to=<${to}@one\\.test>.*status=deferred \\(.*\\(really ".*/two\\.test/passwd"\\) is the POP3 password file of "two\\.test"\\)`,
          ).test(daemon.log()) || undefined,
      );
    }
    assert.equal(await Deno.readTextFile(passwd), before);

    assert.equal(
      await pop3Login(pop3, "eve@two.test", "evil"),
      "-ERR [AUTH] Authentication failed",
    );
    assert.match(
      await pop3Login(pop3, "alice@one.test", "secret1"),
      /^-ERR \[SYS\/TEMP\]/,
    );
    assert.equal(await pop3Login(pop3, "bob@two.test", "secret2"), "ok");
  });
});

Deno.test("mailsrv user/domain: file system failures and collisions are one-line errors, exit 1", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-guard-" });
  try {
    const base = join(home, "virtual");
    const configPath = join(home, "mailsrv.toml");
    const write = (baseDirectory: string) =>
      Deno.writeTextFile(
        configPath,
        [
          `queue_directory = "${join(home, "queue")}"`,
          `virtual_mailbox_domains = "hash:${join(home, "vdomains")}"`,
          `virtual_mailbox_maps = "hash:${join(base, "vmailbox")}"`,
          `virtual_mailbox_base = "${baseDirectory}"`,
          `virtual_uid_maps = "static:${Deno.uid() === 0 ? 200 : Deno.uid()}"`,
          `virtual_gid_maps = "static:${Deno.uid() === 0 ? 200 : Deno.gid()}"`,
          `pop3_passwd_directory = "${baseDirectory}"`,
          "",
        ].join("\n"),
      );
    const cli = (args: string[], stdin?: string) =>
      runMailsrv([...args, "--config", configPath], { stdin });

    // The base's directory does not exist yet: refused in one line.
    await write(base);
    assertOneLineError(
      await cli(["domain", "add", "one.test"]),
      /directory ".*\/virtual" of ".*\/virtual\/vmailbox" does not exist/,
    );
    await Deno.mkdir(base);
    await Deno.writeTextFile(join(base, "vmailbox"), "");
    // A domain named like the mailbox map in the base.
    assertOneLineError(
      await cli(["domain", "add", "vmailbox"]),
      /cannot add domain "vmailbox": directory ".*\/virtual\/vmailbox" is the virtual_mailbox_maps table/,
    );
    assert.equal((await cli(["domain", "add", "one.test"])).code, 0);
    // A file where alice's Maildir goes (the old NotADirectory trace).
    await Deno.writeTextFile(join(base, "one.test", "alice"), "");
    assertOneLineError(
      await cli(["user", "add", "--password-stdin", "alice@one.test"], "p\n"),
      /exists and is not a directory, so it cannot be a Maildir/,
    );
    for (const name of ["tmp", "new", "cur"]) {
      assertOneLineError(
        await cli(
          ["user", "add", "--mbox", "--password-stdin", `${name}@one.test`],
          "p\n",
        ),
        /is reserved: tmp, new and cur are a Maildir's own folders/,
      );
    }
    // A hand-written line sharing bob's mailbox: --purge keeps it.
    assert.equal(
      (await cli(["user", "add", "--password-stdin", "bob@one.test"], "p\n"))
        .code,
      0,
    );
    await Deno.writeTextFile(
      join(base, "vmailbox"),
      "robert@one.test  one.test/bob/\n",
      { append: true },
    );
    assertOneLineError(
      await cli(["user", "del", "--purge", "bob@one.test"]),
      /not purging "bob@one\.test": mailbox ".*\/one\.test\/bob" is also used by "robert@one\.test"; nothing was changed/,
    );
    assertOneLineError(
      await cli(["user", "add", "--password-stdin", "robert@one.test"], "p\n"),
      /already exists/,
    );
    assertOneLineError(
      await cli(["user", "del", "--purge", "robert@one.test"]),
      /is also used by "bob@one\.test"/,
    );
    await Deno.writeTextFile(
      join(base, "vmailbox"),
      (await Deno.readTextFile(join(base, "vmailbox"))).replace(
        /robert.*\n/,
        "",
      ),
    );
    const del = await cli(["user", "del", "--purge", "bob@one.test"]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^removed "bob@one\.test" from ".*vmailbox"\n/);
    assert.match(del.stdout, /\nremoved mailbox ".*\/one\.test\/bob"\n$/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
