/**
 * `mailsrv import-postfix` on configurations written as the classic
 * how-tos write them: each is translated by the CLI, loaded with
 * mailsrv's own configuration loader, started (startDaemon, its
 * listeners moved to free loopback ports) and sent a message that must
 * arrive; what cannot be carried over must be in the report.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  listFiles,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";
import { loadConfig } from "../../src/config/load.ts";
import { parseToml, type TomlTable } from "../../src/config/toml.ts";

const MASTER_CF = `# Postfix master process configuration file.
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       y       -       -       trivial-rewrite
bounce    unix  -       -       y       -       0       bounce
defer     unix  -       -       y       -       0       bounce
smtp      unix  -       -       y       -       -       smtp
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
`;

/** Runs the import; returns the report (stderr) and the file written. */
async function importPostfix(
  dir: string,
  flags: string[] = [],
): Promise<{ report: string; config: string }> {
  const config = join(dir, "mailsrv.toml");
  const r = await runMailsrv([
    "import-postfix",
    "--output",
    config,
    ...flags,
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^mailsrv: wrote /);
  // The file loads with mailsrv's own loader.
  await loadConfig({ path: config });
  const check = await runMailsrv(["import-postfix", "--check", ...flags, dir]);
  assert.equal(check.stderr, r.stderr, "--check reports the same");
  return { report: r.stderr, config };
}

/**
 * Starts the translated configuration with startDaemon: its parameters
 * over the test defaults, its first port-25 listener on the daemon's
 * port, every other listener on a free port (same kind and options).
 * @returns the daemon and the ports of the other listeners, in order
 */
async function startTranslated(
  config: string,
): Promise<{ daemon: TestDaemon; ports: number[] }> {
  const table = parseToml(await Deno.readTextFile(config));
  const { listener, ...rest } = table;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(rest)) {
    params[name] = Array.isArray(value)
      ? value.join(", ")
      : value as unknown as string;
  }
  const tables = (listener ?? []) as TomlTable[];
  const main = tables.findIndex((l) => l.port === 25);
  const others = tables.filter((_, i) => i !== main);
  const ports = others.map(() => freePort());
  const daemon = await startDaemon({
    params,
    listeners: others.map((l, i) => ({
      kind: String(l.kind),
      port: ports[i],
      settings: l.options as Record<string, string>,
    })),
  });
  return { daemon, ports };
}

async function delivered(daemon: TestDaemon, user: string): Promise<void> {
  await waitFor(
    `delivery to ${user}`,
    async () =>
      (await listFiles(join(daemon.home, "mail", user, "new"))).length > 0 ||
      undefined,
  );
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-import-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("import-postfix: a minimal home server delivers through its aliases", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "main.cf"),
      `# See /usr/share/postfix/main.cf.dist for a commented, more complete version
smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no
append_dot_mydomain = no
readme_directory = no
myhostname = mail.home.example
mydomain = home.example
alias_maps = hash:${dir}/aliases
alias_database = hash:${dir}/aliases
myorigin = $mydomain
mydestination = $myhostname, localhost.$mydomain, localhost,
        $mydomain
relayhost =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mailbox_size_limit = 0
recipient_delimiter = +
inet_interfaces = all
queue_directory = /var/spool/postfix
`,
    );
    await Deno.writeTextFile(join(dir, "master.cf"), MASTER_CF);
    await Deno.writeTextFile(join(dir, "aliases"), "postmaster: alice\n");
    const { report, config } = await importPostfix(dir);
    assert.match(
      report,
      /main\.cf:18: queue_directory: not translated: mailsrv keeps its own queue/,
    );
    assert.match(report, /main\.cf:3: biff: not translated: /);
    assert.match(
      report,
      /master\.cf: pickup, cleanup, qmgr, rewrite, bounce, defer, smtp, local, virtual: note: /,
    );
    const text = await Deno.readTextFile(config);
    assert.match(text, /^alias_maps = "hash:.*\/aliases" {2}# main\.cf:8$/m);
    assert.match(
      text,
      /^\[\[listener\]\] {2}# master\.cf:3\naddress = "0\.0\.0\.0"\nport = 25\n/m,
    );
    const { daemon } = await startTranslated(config);
    try {
      const [sent] = await sendWithSmtplib(daemon.port, "a@example.net", [
        "postmaster@home.example",
      ]);
      assert.equal(sent.code, 250);
      await delivered(daemon, "alice");
    } finally {
      await daemon.stop();
      await Deno.remove(daemon.home, { recursive: true });
    }
  });
});

Deno.test("import-postfix: virtual domains and vm-pop3d's passwd files", async () => {
  if (!requireProgram("htpasswd")) return;
  await withDir(async (dir) => {
    const spool = join(dir, "spool", "virtual");
    const passwd = join(dir, "vm-passwd");
    await Deno.mkdir(join(spool, "example.org"), { recursive: true });
    await Deno.mkdir(join(passwd, "example.org"), { recursive: true });
    const made = await new Deno.Command("htpasswd", {
      args: [
        "-b",
        "-c",
        "-B",
        join(passwd, "example.org", "passwd"),
        "alice",
        "secret",
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(made.success);
    const uid = Deno.uid() === 0 ? 200 : Deno.uid();
    await Deno.writeTextFile(
      join(dir, "main.cf"),
      `myhostname = mail.example.org
mydestination = localhost
virtual_mailbox_domains = example.org
virtual_mailbox_base = ${spool}
virtual_mailbox_maps = hash:/etc/postfix/vmailbox
virtual_uid_maps = static:${uid}
virtual_gid_maps = static:${uid}
virtual_alias_maps = hash:$config_directory/virtual
`.replace("/etc/postfix/vmailbox", join(dir, "vmailbox")),
    );
    await Deno.writeTextFile(
      join(dir, "vmailbox"),
      "alice@example.org  example.org/alice\n",
    );
    await Deno.writeTextFile(
      join(dir, "virtual"),
      "info@example.org  alice@example.org\n",
    );
    await Deno.writeTextFile(join(dir, "master.cf"), MASTER_CF);
    const { report, config } = await importPostfix(dir, [
      "--vm-pop3d-passwd",
      passwd,
      "--vm-pop3d-mail",
      spool,
    ]);
    assert.match(
      report,
      /vm-pop3d: .*: note: the passwd files of example\.org are read in place/,
    );
    const text = await Deno.readTextFile(config);
    assert.match(text, new RegExp(`^pop3_passwd_directory = "${passwd}"`, "m"));
    assert.match(
      text,
      new RegExp(`^virtual_alias_maps = "hash:${dir}/virtual"`, "m"),
    );
    assert.match(text, /^port = 110\nkind = "pop3"$/m);
    const { daemon, ports } = await startTranslated(config);
    try {
      const [sent] = await sendWithSmtplib(daemon.port, "a@example.net", [
        "info@example.org",
      ]);
      assert.equal(sent.code, 250);
      const mbox = join(spool, "example.org", "alice");
      await waitFor(
        "the mbox",
        () => Deno.stat(mbox).then(() => true, () => undefined),
      );
      // vm-pop3d's users log in to mailsrv's POP3 listener.
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: ports[0],
      });
      const chunk = new Uint8Array(4096);
      let said = "";
      for (
        const line of ["USER alice@example.org", "PASS secret", "STAT", "QUIT"]
      ) {
        await conn.write(new TextEncoder().encode(line + "\r\n"));
      }
      // The server closes the connection after QUIT.
      for (let reads = 0; reads < 100; reads++) {
        const n = await conn.read(chunk);
        if (n === null) break;
        said += new TextDecoder().decode(chunk.subarray(0, n));
      }
      conn.close();
      assert.match(said, /\+OK 1 \d+/);
    } finally {
      await daemon.stop();
      await Deno.remove(daemon.home, { recursive: true });
    }
  });
});

Deno.test("import-postfix: a clamsmtpd content filter is reported, its reinjection listener kept", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "main.cf"),
      `myhostname = mail.home.example
mydestination = $myhostname, localhost
content_filter = scan:[127.0.0.1]:10025
receive_override_options = no_address_mappings
`,
    );
    await Deno.writeTextFile(
      join(dir, "master.cf"),
      MASTER_CF + `# AV scan filter (used by content_filter)
scan      unix  -       -       n       -       16      smtp
        -o smtp_send_xforward_command=yes
        -o smtp_enforce_tls=no
# For injecting mail back into postfix from the filter
127.0.0.1:10026 inet  n -       n       -       16      smtpd
        -o content_filter=
        -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks
        -o smtpd_helo_restrictions=
        -o smtpd_client_restrictions=
        -o smtpd_sender_restrictions=
        -o smtpd_recipient_restrictions=permit_mynetworks,reject
        -o mynetworks_style=host
        -o smtpd_authorized_xforward_hosts=127.0.0.0/8
`,
    );
    const { report, config } = await importPostfix(dir);
    assert.match(
      report,
      /main\.cf:3: content_filter: not translated: mailsrv has no after-queue content filter/,
    );
    assert.match(
      report,
      /main\.cf:4: receive_override_options: not translated: /,
    );
    assert.match(
      report,
      /master\.cf:14: scan unix smtp: not translated: the content filter's delivery service/,
    );
    assert.doesNotMatch(
      report,
      /smtpd_recipient_restrictions=.*not translated/,
    );
    assert.match(
      report,
      /master\.cf:18: 127\.0\.0\.1:10026 inet: maxproc 16: not translated: /,
    );
    const text = await Deno.readTextFile(config);
    assert.match(
      text,
      /^\[\[listener\]\] {2}# master\.cf:18\naddress = "127\.0\.0\.1"\nport = 10026\nkind = "smtp"$/m,
    );
    // A listener may set the restriction lists (master.cf -o).
    assert.match(
      text,
      /^options = \{.*smtpd_recipient_restrictions = "permit_mynetworks,\s*reject"/m,
    );
    const { daemon, ports } = await startTranslated(config);
    try {
      // What the filter would send back arrives.
      const [sent] = await sendWithSmtplib(ports[0], "a@example.net", [
        "bob@localhost",
      ]);
      assert.equal(sent.code, 250);
      await delivered(daemon, "bob");
    } finally {
      await daemon.stop();
      await Deno.remove(daemon.home, { recursive: true });
    }
  });
});

Deno.test("import-postfix: a smarthost with SASL relays with the password from sasl_passwd", async () => {
  const smarthost = await startFakeSmtpServer({
    auth: { user: "me@isp.example", password: "s3cret" },
  });
  try {
    await withDir(async (dir) => {
      await Deno.writeTextFile(
        join(dir, "main.cf"),
        `myhostname = mail.home.example
mydestination = $myhostname, localhost
relayhost = [127.0.0.1]:${smarthost.port}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_tls_security_level = none
`.replace("/etc/postfix", dir),
      );
      const sasl = join(dir, "sasl_passwd");
      await Deno.writeTextFile(
        sasl,
        `[127.0.0.1]:${smarthost.port} me@isp.example:s3cret\n`,
      );
      await Deno.chmod(sasl, 0o600);
      // Only the source is needed; a stale .db beside it changes nothing.
      await Deno.writeTextFile(`${sasl}.db`, "");
      await Deno.writeTextFile(join(dir, "master.cf"), MASTER_CF);
      const { config } = await importPostfix(dir);
      const text = await Deno.readTextFile(config);
      assert.match(
        text,
        new RegExp(`^smtp_sasl_password_maps = "hash:${sasl}"`, "m"),
      );
      const { daemon } = await startTranslated(config);
      try {
        const [sent] = await sendWithSmtplib(daemon.port, "alice@localhost", [
          "friend@example.net",
        ]);
        assert.equal(sent.code, 250);
        await waitFor(
          "the relayed message",
          () => smarthost.messages.length > 0 || undefined,
        );
        assert.deepEqual(smarthost.messages[0].recipients, [
          "friend@example.net",
        ]);
        assert.ok(smarthost.transcripts.flat().some((l) => /^AUTH /.test(l)));
      } finally {
        await daemon.stop();
        await Deno.remove(daemon.home, { recursive: true });
      }
    });
  } finally {
    await smarthost.close();
  }
});

Deno.test("import-postfix: the postgrey policy service and the old idioms", async () => {
  if (!requireProgram("postgrey")) return;
  await withDir(async (dir) => {
    await Deno.chmod(dir, 0o755);
    const dbdir = join(dir, "postgrey");
    await Deno.mkdir(dbdir);
    await Deno.chmod(dbdir, 0o777);
    const whitelist = join(dir, "whitelist_clients");
    await Deno.writeTextFile(whitelist, "127.0.0.3\n");
    await Deno.writeTextFile(join(dir, "whitelist_recipients"), "");
    const port = freePort();
    const postgrey = new Deno.Command("postgrey", {
      args: [
        `--inet=127.0.0.1:${port}`,
        `--dbdir=${dbdir}`,
        "--delay=3600",
        `--whitelist-clients=${whitelist}`,
        `--whitelist-recipients=${join(dir, "whitelist_recipients")}`,
        ...(Deno.uid() === 0 ? ["--user=nobody", "--group=nogroup"] : []),
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await Deno.writeTextFile(
        join(dir, "main.cf"),
        `myhostname = mail.home.example
mydestination = $myhostname, localhost
mynetworks = 127.0.0.1/32
smtpd_recipient_restrictions = permit_mynetworks,
    check_client_access hash:/etc/postfix/pop-before-smtp,
    check_relay_domains,
    check_policy_service inet:127.0.0.1:${port}
`,
      );
      await Deno.writeTextFile(join(dir, "master.cf"), MASTER_CF);
      const { report, config } = await importPostfix(dir);
      assert.match(report, /became the built-in permit_pop_before_smtp/);
      assert.match(
        report,
        /check_relay_domains \(removed from Postfix\) became "permit_mynetworks, reject_unauth_destination"/,
      );
      const text = await Deno.readTextFile(config);
      assert.match(
        text,
        new RegExp(
          `^smtpd_recipient_restrictions = "permit_mynetworks, permit_pop_before_smtp, reject_unauth_destination, check_policy_service inet:127\\.0\\.0\\.1:${port}"`,
          "m",
        ),
      );
      const { daemon } = await startTranslated(config);
      try {
        await waitFor("postgrey to listen", async () => {
          try {
            (await Deno.connect({ hostname: "127.0.0.1", port })).close();
            return true;
          } catch {
            return undefined;
          }
        });
        const [greylisted] = await sendWithSmtplib(
          daemon.port,
          "a@example.net",
          ["bob@localhost"],
          { source: "127.0.0.2" },
        );
        assert.equal(greylisted.code, 450, greylisted.reply);
        const [sent] = await sendWithSmtplib(daemon.port, "a@example.net", [
          "bob@localhost",
        ], { source: "127.0.0.3" });
        assert.equal(sent.code, 250, sent.reply);
        await delivered(daemon, "bob");
      } finally {
        await daemon.stop();
        await Deno.remove(daemon.home, { recursive: true });
      }
    } finally {
      postgrey.kill("SIGTERM");
      await postgrey.status;
    }
  });
});
