/**
 * `mailsrv check` checks what its help promises, and creates nothing;
 * `start` and `reload` refuse what check reports as fatal (an unsupported
 * table type, a queue_directory whose parent does not exist).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  canConnect,
  freePort,
  runMailsrv,
  startDaemon,
} from "../helpers/daemon.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-check-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Every path under `dir`, sorted. */
async function tree(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    paths.push(path);
    if (entry.isDirectory) paths.push(...await tree(path));
  }
  return paths.sort();
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** A self-signed certificate valid only in January 2020, and its key. */
async function expiredCertificate(dir: string): Promise<string> {
  await Deno.writeTextFile(join(dir, "index.txt"), "");
  await Deno.writeTextFile(join(dir, "serial"), "01\n");
  await Deno.writeTextFile(
    join(dir, "ca.cnf"),
    "[ca]\ndefault_ca = CA\n[CA]\ndatabase = index.txt\n" +
      "new_certs_dir = .\nserial = serial\ndefault_md = sha256\n" +
      "policy = p\n[p]\ncommonName = supplied\n",
  );
  await openssl(
    dir,
    ..."req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      .split(" "),
    ..."-keyout old.key -out old.csr -subj /CN=old.example.test".split(" "),
  );
  await openssl(
    dir,
    ..."ca -batch -selfsign -config ca.cnf -notext -keyfile old.key".split(" "),
    ..."-in old.csr -out old.pem".split(" "),
    ..."-startdate 20200101000000Z -enddate 20200102000000Z".split(" "),
  );
  return join(dir, "old.pem");
}

Deno.test("check reports tables, directories, TLS and listeners, and creates nothing", async () => {
  await withHome(async (home) => {
    const etc = join(home, "etc");
    await Deno.mkdir(etc);
    const certs = await makeTestCertificates(etc);
    const expired = await expiredCertificate(etc);
    await Deno.writeTextFile(
      join(etc, "aliases"),
      "postmaster: root\nbroken line\nroot: alice\n",
    );
    const squatter = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const busy = (squatter.addr as Deno.NetAddr).port;
    const free = freePort();
    const smtps = freePort();
    const submission = freePort();
    const path = join(home, "mailsrv.toml");
    const config = (cert: string, key: string) =>
      `myhostname = "mx.example.test"
queue_directory = "${join(home, "spool", "mialsrv", "queue")}"
mail_spool_directory = "${join(home, "mail")}/"
maillog_file = "${join(home, "log", "maillog")}"
alias_maps = "hash:${join(etc, "aliases")}"
local_recipient_maps = "unix:group.byname"
virtual_mailbox_domains = "example.com, hash:${join(etc, "vmail_domains")}"
virtual_mailbox_base = "${join(home, "virtual")}"
virtual_mailbox_maps = "hash:${join(etc, "vmail_mailbox")}"
virtual_alias_maps = "btree:${join(etc, "vmail_aliases")}"
virtual_uid_maps = "static:200"
virtual_gid_maps = "static:200"
smtpd_client_restrictions = "check_client_access btree:${join(etc, "access")}"
pop3_tls_cert_file = "${cert}"
pop3_tls_key_file = "${key}"

[[listener]]
address = "127.0.0.1"
port = ${busy}
kind = "smtp"

[[listener]]
address = "127.0.0.1"
port = ${free}
kind = "pop3s"

[[listener]]
address = "127.0.0.1"
port = ${smtps}
kind = "smtps"

[[listener]]
address = "127.0.0.1"
port = ${submission}
kind = "submission"
options = { smtpd_tls_cert_file = "${cert}", smtpd_tls_key_file = "${key}", smtpd_sender_restrictions = "check_sender_access hash:${
        join(etc, "senders")
      }" }
`;
    await Deno.writeTextFile(path, config(expired, certs.keyFile));
    const before = await tree(home);
    const r = await runMailsrv(["check", "--config", path]);
    squatter.close();
    assert.equal(r.code, 1, r.stderr);
    const expected = [
      // Tables: unsupported types, missing files, alias entries.
      /error: local_recipient_maps: unsupported unix table "unix:group\.byname"/,
      /error: virtual_alias_maps: unsupported lookup table type "btree" in "btree:/,
      /error: virtual_mailbox_domains: hash:\S+vmail_domains: no such file; every lookup fails with a temporary error \(451 4\.3\.0, mail waits in the queue\) until it is created \("mailsrv domain add" creates/,
      /error: virtual_mailbox_maps: hash:\S+vmail_mailbox: no such file/,
      /error: alias_maps: \S+aliases:2: missing ":" in "broken line" \(entry skipped\)/,
      // Access tables of restriction lists, a listener's among them.
      /error: smtpd_client_restrictions: unsupported lookup table type "btree" in "btree:/,
      /error: smtpd_sender_restrictions: hash:\S+senders: no such file; every lookup fails with a temporary error/,
      // Directories.
      /error: queue_directory: "\S+\/spool\/mialsrv\/queue" cannot be created: its parent directory "\S+\/spool\/mialsrv" does not exist/,
      /error: virtual_mailbox_base: "\S+\/virtual" does not exist/,
      /warning: mail_spool_directory: "\S+\/mail" does not exist/,
      // TLS.
      /error: pop3_tls_cert_file: "\S+old\.pem" \(CN=old\.example\.test\) expired on Jan {2}2 00:00:00 2020 GMT/,
      /error: pop3_tls_key_file: "\S+server\.key" is not the key of the certificate in "\S+old\.pem"/,
      new RegExp(
        `error: smtpd_tls_cert_file: not set, but the smtps listener on port ${smtps} needs it`,
      ),
      /error: smtpd_tls_cert_file: "\S+old\.pem" \(CN=old\.example\.test\) expired/,
      // Listeners.
      new RegExp(
        `error: listener smtp 127\\.0\\.0\\.1:${busy}: cannot listen: address already in use`,
      ),
    ];
    for (const pattern of expected) assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, new RegExp(`:${free}`));
    assert.match(
      r.stdout,
      /maillog_file: "\S+\/log" does not exist yet; start creates it/,
    );
    assert.doesNotMatch(r.stderr, /Uncaught|^ {4}at /m);
    assert.deepEqual(await tree(home), before, "check created something");

    // A matching certificate and key; the test certificate lives two days.
    await Deno.writeTextFile(path, config(certs.certFile, certs.keyFile));
    const good = await runMailsrv(["check", "--config", path]);
    assert.doesNotMatch(good.stderr, /error: pop3_tls/);
    assert.doesNotMatch(good.stderr, /error: smtpd_tls_cert_file: "/);
    assert.match(
      good.stderr,
      /warning: smtpd_tls_cert_file: "\S+chain\.pem" \(CN=localhost\) expires on /,
    );
    assert.match(
      good.stderr,
      /warning: pop3_tls_cert_file: "\S+chain\.pem" \(CN=localhost\) expires on /,
    );
  });
});

Deno.test("start refuses a queue_directory whose parent does not exist, creating nothing", async () => {
  await withHome(async (home) => {
    const path = join(home, "mailsrv.toml");
    const queue = join(home, "spool", "mialsrv", "queue");
    await Deno.writeTextFile(
      path,
      `queue_directory = "${queue}"\nmaillog_file = ""\n` +
        `[[listener]]\naddress = "127.0.0.1"\nport = ${freePort()}\nkind = "smtp"\n`,
    );
    const r = await runMailsrv(["start", "--config", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `queue_directory: "${queue}" cannot be created: its parent directory "${
          join(home, "spool", "mialsrv")
        }" does not exist`,
      ),
    );
    assert.doesNotMatch(r.stderr, /Uncaught|^ {4}at /m);
    assert.deepEqual(await tree(home), [path]);
  });
});

Deno.test("an unsupported table type: start refuses it, reload refuses it and keeps running", async () => {
  await withHome(async (home) => {
    const path = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      path,
      `queue_directory = "${join(home, "queue")}"\n` +
        `virtual_alias_maps = "btree:/etc/postfix/virtual"\n` +
        `[[listener]]\naddress = "127.0.0.1"\nport = ${freePort()}\nkind = "smtp"\n`,
    );
    const r = await runMailsrv(["run", "--config", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /mailsrv\.toml: virtual_alias_maps: unsupported lookup table type "btree" in "btree:\/etc\/postfix\/virtual"/,
    );
    assert.doesNotMatch(r.stderr, /Uncaught|^ {4}at /m);
  });

  const daemon = await startDaemon();
  try {
    const text = await Deno.readTextFile(daemon.configPath);
    await Deno.writeTextFile(
      daemon.configPath,
      `alias_maps = "btree:/etc/aliases"\n` + text,
    );
    const r = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /reload refused: \S+: alias_maps: unsupported lookup table type "btree"/,
    );
    assert.ok(await canConnect(daemon.port));

    // check knows the daemon's own port is not "busy"; it judges modes.
    await Deno.writeTextFile(daemon.configPath, text);
    await Deno.chmod(join(daemon.queueDirectory, "deferred"), 0o755);
    const check = await runMailsrv(["check", "--config", daemon.configPath]);
    assert.match(
      check.stderr,
      /warning: queue_directory: "\S+\/deferred" is open to others \(mode 0755; mailsrv creates 0700\)/,
    );
    assert.doesNotMatch(check.stderr, /cannot listen/);
    assert.match(
      check.stdout,
      new RegExp(
        `mailsrv is running \\(pid \\d+\\); 127\\.0\\.0\\.1:${daemon.port} in use by it, not probed`,
      ),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("check reports the lines a regexp: header_checks table would skip, with file and line", async () => {
  await withHome(async (home) => {
    const table = join(home, "header_checks");
    await Deno.writeTextFile(
      table,
      "/^Subject: ok/ WARN fine\n/^X-Bad: (a+)+$/ REJECT slow\n/unclosed REJECT\n",
    );
    const path = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      path,
      `queue_directory = "${join(home, "queue")}"
mail_spool_directory = "${join(home, "mail")}/"
maillog_file = "${join(home, "maillog")}"
alias_maps = ""
header_checks = "regexp:${table}"
`,
    );
    const result = await runMailsrv(["check", "--config", path]);
    const out = result.stdout + result.stderr;
    assert.match(
      out,
      new RegExp(
        `header_checks: "${table}", line 2: pattern may take exponential time`,
      ),
    );
    assert.match(
      out,
      new RegExp(
        `header_checks: "${table}", line 3: missing closing delimiter`,
      ),
    );
    assert.notEqual(result.code, 0);
  });
});
