/**
 * `mailsrv postconf` against the real Postfix postconf(1): the same
 * settings, written once as main.cf/master.cf and once as mailsrv.toml,
 * print the same lines for `-M`, `-h`, `-d NAME` and an unknown name.
 * Postfix runs on a private configuration directory (`-c`), never the
 * system's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireProgram, runMailsrv } from "../helpers/daemon.ts";

const MAIN_CF = `setgid_group = postdrop
mail_owner = postfix
myhostname = mx.example.test
smtpd_banner = $myhostname ESMTP
`;

const MASTER_CF = `smtp      inet  n       -       n       -       -       smtpd
submission inet n       -       n       -       -       smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:10026 inet n  -       n       -       -       smtpd
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o { smtpd_banner = filter ESMTP }
`;

const MAILSRV_TOML = `myhostname = "mx.example.test"
smtpd_banner = "$myhostname ESMTP"

[[listener]]
address = "0.0.0.0"
port = 25

[[listener]]
address = "0.0.0.0"
port = 587
kind = "submission"
options = { smtpd_tls_security_level = "encrypt", smtpd_sasl_auth_enable = true, smtpd_relay_restrictions = "permit_sasl_authenticated, reject" }

[[listener]]
address = "127.0.0.1"
port = 10026
options = { smtpd_relay_restrictions = "permit_mynetworks, reject", smtpd_banner = "filter ESMTP" }
`;

async function postfixPostconf(dir: string, args: string[]) {
  const out = await new Deno.Command("postconf", {
    args: ["-c", dir, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    // Postfix names itself by its argv[0], the full path here.
    stderr: decode(out.stderr).replace(
      /^\/usr\/sbin\/postconf:/gm,
      "postconf:",
    ),
  };
}

Deno.test("postconf prints what Postfix's postconf prints for the same settings", async () => {
  if (!requireProgram("postconf")) return;
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postconf-" });
  try {
    await Deno.writeTextFile(join(dir, "main.cf"), MAIN_CF);
    await Deno.writeTextFile(join(dir, "master.cf"), MASTER_CF);
    const config = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(config, MAILSRV_TOML);
    const cases = [
      ["-M"],
      ["-M", "submission"],
      ["-h", "myhostname", "smtpd_banner"],
      ["-x", "smtpd_banner"],
      ["-n", "-h", "myhostname"],
      ["no_such_parameter"],
      ["-d", "no_such_parameter"],
      ["-h", "no_such_parameter", "myhostname"],
    ];
    for (const args of cases) {
      const postfix = await postfixPostconf(dir, args);
      const mailsrv = await runMailsrv([
        "postconf",
        "--config",
        config,
        ...args,
      ]);
      const what = `postconf ${args.join(" ")}`;
      assert.equal(mailsrv.stdout, postfix.stdout, what);
      assert.equal(mailsrv.stderr, postfix.stderr, what);
      assert.equal(mailsrv.code, postfix.code, what);
    }
    // Machine-dependent defaults: the same layout and the same value.
    const postfix = await postfixPostconf(dir, ["-d", "myhostname"]);
    const mailsrv = await runMailsrv(["postconf", "-d", "myhostname"], {
      cwd: dir,
      env: { MAILSRV_HOME: dir },
    });
    assert.match(mailsrv.stdout, /^myhostname = \S+\n$/);
    assert.equal(mailsrv.stdout, postfix.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("postconf -m, -l and -X/-# list and edit as documented", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postconf-" });
  try {
    const maps = await runMailsrv(["postconf", "-m"]);
    assert.equal(
      maps.stdout,
      "cidr\nhash\ninline\npcre\nregexp\nstatic\ntexthash\nunix\n",
    );
    const locks = await runMailsrv(["postconf", "-l"]);
    assert.equal(locks.stdout, "flock\ndotlock\n");
    const config = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(
      config,
      '# site\nmyhostname = "mx.example.test"\nmydomain = "example.test"\n' +
        'relayhost = "[smtp.example.net]:587"\n',
    );
    let r = await runMailsrv([
      "postconf",
      "--config",
      config,
      "-#",
      "relayhost",
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await runMailsrv(["postconf", "--config", config, "-X", "mydomain"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await Deno.readTextFile(config),
      '# site\nmyhostname = "mx.example.test"\n' +
        '#relayhost = "[smtp.example.net]:587"\n',
    );
    const both = await runMailsrv(["postconf", "-m", "-l"]);
    assert.equal(both.code, 64);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
