import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/parse_config.ts";
import type { Config } from "../../../src/config/types.ts";
import {
  localDeliveryThreadPermissions,
  queueManagerThreadPermissions,
  rolePermissions,
  type SandboxFacts,
  smtpClientThreadPermissions,
  workerPermissions,
} from "../../../src/master/role_permissions.ts";
import {
  mailUserHomes,
  systemForwardFiles,
} from "../../../src/master/sandbox_facts.ts";

const FACTS: SandboxFacts = {
  nameServers: [{ address: "192.0.2.53", port: 53 }],
  homes: ["/home/alice", "/root"],
  setpriv: "/usr/bin/setpriv",
  kill: "/usr/bin/kill",
};

function configOf(text: string): Config {
  return parseConfig({
    file: "/etc/mailsrv/mailsrv.toml",
    text,
    homeDirectory: "/",
    system: { hostname: "mx.example.com", interfaces: [] },
  }).config;
}

const BASE = `
queue_directory = "/var/spool/mailsrv"
alias_maps = "hash:/etc/mailsrv/aliases"
`;

Deno.test("mbox spool: delivery writes the spool and homes, not the queue, nothing else", () => {
  const config = configOf(BASE);
  const roles = rolePermissions(config, FACTS);
  assert.deepEqual(roles.local.write, [
    "/dev/log",
    "/home/alice",
    "/root",
    "/var/mail",
  ]);
  assert.deepEqual(roles.local.net, []);
  assert.ok(roles.local.read.includes("/etc/mailsrv/aliases"));
  assert.ok(roles.local.read.includes("/etc/passwd"));
  assert.ok(!roles.local.read.includes("/etc/mailsrv/mailsrv.toml"));
  // allow_mail_to_commands defaults to alias, forward: the shell runs.
  assert.deepEqual(roles.local.run, [
    "/bin/sh",
    "/usr/bin/kill",
    "/usr/bin/setpriv",
  ]);
  assert.deepEqual(roles.qmgr.net, []);
  assert.deepEqual(roles.qmgr.run, []);
  assert.deepEqual(roles.qmgr.write, ["/dev/log", "/var/spool/mailsrv"]);
  // qmgr routes (the resolver's tables), but reads no alias or passwd.
  assert.ok(!roles.qmgr.read.includes("/etc/mailsrv/aliases"));
  assert.ok(!roles.qmgr.read.includes("/etc/passwd"));
  assert.equal(roles.smtp.net, true);
  assert.deepEqual(roles.smtp.run, []);
  // The client reads the messages it sends and writes only its log.
  assert.deepEqual(roles.smtp.write, ["/dev/log"]);
  assert.ok(roles.smtp.read.includes("/var/spool/mailsrv/active"));
  assert.ok(!roles.smtp.read.includes("/var/spool/mailsrv"));
  assert.ok(!roles.smtp.read.includes("/etc/mailsrv/aliases"));
});

Deno.test("Maildir spool and virtual base: the trailing slash does not matter", () => {
  const config = configOf(
    BASE + `
mail_spool_directory = "/var/spool/maildirs/"
virtual_mailbox_base = "/srv/vmail"
virtual_mailbox_domains = "example.org"
virtual_mailbox_maps = "hash:/etc/mailsrv/vmailbox"
`,
  );
  const roles = rolePermissions(config, FACTS);
  assert.ok(roles.local.write.includes("/var/spool/maildirs"));
  assert.ok(roles.local.write.includes("/srv/vmail"));
  assert.ok(roles.local.read.includes("/etc/mailsrv/vmailbox"));
  assert.ok(roles.pop3d.write.includes("/srv/vmail"));
  assert.ok(roles.pop3d.read.includes("/etc/virtual"));
  assert.ok(!roles.smtpd.write.includes("/srv/vmail"));
  assert.deepEqual(roles.pop3d.run, []);
});

Deno.test("no .forward and no home_mailbox: no home directory is granted", () => {
  const config = configOf(BASE + `forward_path = ""\n`);
  const local = rolePermissions(config, FACTS).local;
  assert.ok(!local.write.includes("/home/alice"));
  assert.ok(!local.read.includes("/root"));
});

Deno.test("commands: the configured shell and pipe programs, or none", () => {
  const none = configOf(BASE + `allow_mail_to_commands = ""\n`);
  assert.deepEqual(rolePermissions(none, FACTS).local.run, [
    "/usr/bin/setpriv",
  ]);
  const procmail = configOf(
    BASE + `
allow_mail_to_commands = ""
mailbox_command = "/usr/bin/procmail -a $EXTENSION"
local_command_shell = "/bin/bash"

[[transport]]
name = "spamfilter"
kind = "pipe"
user = "filter"
argv = "/usr/local/bin/filter -f \${sender} -- \${recipient}"
`,
  );
  assert.deepEqual(rolePermissions(procmail, FACTS).local.run, [
    "/bin/bash",
    "/usr/bin/kill",
    "/usr/bin/setpriv",
    "/usr/local/bin/filter",
  ]);
});

Deno.test("secrets stay with the role that needs them", () => {
  const config = configOf(
    BASE + `
smtpd_sasl_users_file = "/etc/mailsrv/sasl_users"
smtpd_tls_cert_file = "/etc/mailsrv/cert.pem"
smtpd_tls_key_file = "/etc/mailsrv/key.pem"
smtp_sasl_auth_enable = true
smtp_sasl_password_maps = "hash:/etc/mailsrv/sasl_passwd"
relayhost = "[smtp.example.net]:587"
`,
  );
  const roles = rolePermissions(config, FACTS);
  const workers = [
    queueManagerThreadPermissions(config),
    localDeliveryThreadPermissions(config, FACTS),
  ];
  assert.ok(roles.smtpd.read.includes("/etc/mailsrv/key.pem"));
  // SMTP AUTH's users are the auth thread's alone.
  assert.ok(roles.auth.read.includes("/etc/mailsrv/sasl_users"));
  assert.ok(!roles.smtpd.read.includes("/etc/mailsrv/sasl_users"));
  assert.ok(!roles.auth.read.includes("/etc/mailsrv/key.pem"));
  for (const worker of workers) {
    for (const secret of ["/etc/mailsrv/sasl_users", "/etc/mailsrv/key.pem"]) {
      assert.ok(!worker.read.includes(secret), secret);
    }
    assert.ok(!worker.read.includes("/etc/mailsrv/sasl_passwd"));
    assert.ok(!worker.read.includes("/etc/mailsrv/mailsrv.toml"));
    assert.ok(!worker.read.includes("/etc/virtual"));
  }
  assert.ok(roles.smtp.read.includes("/etc/mailsrv/sasl_passwd"));
  assert.ok(!roles.smtpd.read.includes("/etc/mailsrv/sasl_passwd"));
});

Deno.test("smtpd connects to its DNS servers, policy services and Redis only", () => {
  const config = configOf(
    BASE + `
shared_state = "redis://:secret@10.0.0.5:6380/2"
smtpd_recipient_restrictions = "permit_mynetworks, reject_unauth_destination, check_policy_service inet:127.0.0.1:10023"

[[listener]]
kind = "smtp"
address = "0.0.0.0"
port = 25

[[listener]]
kind = "pop3"
address = "::1"
port = 110
`,
  );
  const roles = rolePermissions(config, FACTS);
  assert.deepEqual(roles.smtpd.net, [
    "0.0.0.0:0",
    "0.0.0.0:25",
    "10.0.0.5:6380",
    "127.0.0.1:10023",
    "192.0.2.53:53",
  ]);
  assert.deepEqual(roles.smtpd.run, []);
  assert.deepEqual(roles.smtpd.write, [
    "/dev/log",
    "/var/spool/mailsrv/hold",
    "/var/spool/mailsrv/incoming",
    "/var/spool/mailsrv/tmp",
  ]);
  assert.deepEqual(roles.pop3d.net, ["10.0.0.5:6380", "[::1]:110"]);
  // The Redis client library's logger reads its own variables only.
  const debug = [
    "DEBUG",
    "DEBUG_COLORS",
    "DEBUG_DEPTH",
    "DEBUG_HIDE_DATE",
    "DEBUG_SHOW_HIDDEN",
  ];
  assert.deepEqual(roles.smtpd.env, debug);
  assert.deepEqual(roles.pop3d.env, debug);
  assert.deepEqual(workerPermissions(roles.smtpd).env, debug);
});

Deno.test("smtpd never reads the POP3 passwd files; the auth thread reads them and writes only its log", () => {
  const plain = rolePermissions(configOf(BASE), FACTS);
  const passwd = configOf(BASE).pop3_passwd_directory;
  assert.ok(!plain.smtpd.read.includes(passwd));
  assert.deepEqual(plain.smtpd.env, []);
  const roles = rolePermissions(
    configOf(
      BASE + `
[[listener]]
kind = "submission"
address = "127.0.0.1"
port = 587
options = { smtpd_sasl_auth_enable = true }
`,
    ),
    FACTS,
  );
  assert.ok(!roles.smtpd.read.includes(passwd));
  assert.ok(roles.auth.read.includes(passwd));
  assert.ok(roles.pop3d.read.includes(passwd));
  assert.deepEqual(roles.auth.write, ["/dev/log"]);
  assert.deepEqual(roles.auth.net, []);
  assert.deepEqual(roles.auth.run, []);
  assert.deepEqual(roles.auth.env, []);
});

Deno.test("IPv6 DNS servers are bracketed, with the IPv6 any-address", () => {
  const config = configOf(BASE);
  const smtpd = rolePermissions(config, {
    ...FACTS,
    nameServers: [{ address: "2001:db8::53", port: 5353 }],
  }).smtpd;
  assert.ok(smtpd.net !== true);
  assert.ok(smtpd.net.includes("[2001:db8::53]:5353"));
  assert.ok(smtpd.net.includes("[::]:0"));
});

Deno.test("every role may write its maillog_file", () => {
  const config = configOf(BASE + `maillog_file = "/var/log/mailsrv.log"\n`);
  for (const [name, role] of Object.entries(rolePermissions(config, FACTS))) {
    assert.ok(role.write.includes("/var/log/mailsrv.log"), name);
    assert.ok(!role.write.includes("/var/log"), name);
  }
});

Deno.test("the queue manager's thread: qmgr; local delivery's: local, no net; the SMTP client's: the smtp role", () => {
  const config = configOf(
    BASE + `
smtp_tls_CAfile = "/etc/mailsrv/ca.pem"
smtp_sasl_password_maps = "hash:/etc/mailsrv/sasl_passwd"

[[dkim]]
domain = "example.com"
selector = "s1"
private_key_file = "/etc/mailsrv/dkim/s1.key"

[[transport]]
name = "scan"
kind = "smtp"
options = { smtp_tls_CAfile = "/etc/mailsrv/scan-ca.pem", smtp_sasl_password_maps = "hash:/etc/mailsrv/scan_passwd" }
`,
  );
  const roles = rolePermissions(config, FACTS);
  const qmgrThread = queueManagerThreadPermissions(config);
  assert.deepEqual(qmgrThread, roles.qmgr);
  const worker = localDeliveryThreadPermissions(config, FACTS);
  assert.deepEqual(worker, roles.local);
  assert.deepEqual(worker.net, []);
  assert.equal(workerPermissions(worker).net, false);
  const client = smtpClientThreadPermissions(config);
  assert.deepEqual(client, rolePermissions(config, FACTS).smtp);
  for (
    const file of [
      "/etc/mailsrv/ca.pem",
      "/etc/mailsrv/dkim/s1.key",
      "/etc/mailsrv/sasl_passwd",
      "/etc/mailsrv/scan-ca.pem",
      "/etc/mailsrv/scan_passwd",
    ]
  ) {
    assert.ok(client.read.includes(file), file);
    assert.ok(!worker.read.includes(file), file);
  }
  assert.ok(worker.write.includes("/var/mail"));
  assert.ok(!worker.write.includes("/etc/mailsrv"));
  // Mail it forwards goes through the queue manager's gate.
  assert.ok(!worker.write.some((p) => p.startsWith("/var/spool/mailsrv")));
  assert.ok(!qmgrThread.write.includes("/var/mail"));
  assert.deepEqual(qmgrThread.run, []);
  assert.deepEqual(qmgrThread.net, []);
  const options = workerPermissions(worker);
  assert.equal(options.ffi, false);
  assert.equal(options.import, false);
  assert.deepEqual(options.env, ["TZ"]);
  const qmgr = workerPermissions(rolePermissions(config, FACTS).qmgr);
  assert.equal(qmgr.net, false);
  assert.equal(qmgr.run, false);
});

Deno.test("mail users' homes: root and uid 1000 and up, never / or nobody", () => {
  const passwd = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
    "alice:x:1000:1000::/home/alice/:/bin/bash",
    "odd:x:1002:1002::/:/bin/sh",
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    "broken line",
  ].join("\n");
  assert.deepEqual(mailUserHomes(passwd), ["/home/alice", "/root"]);
  // The others' .forward only, "/" as "/.forward" (never the whole tree).
  assert.deepEqual(systemForwardFiles(passwd), [
    "/.forward",
    "/nonexistent/.forward",
    "/usr/sbin/.forward",
    "/var/www/.forward",
  ]);
});

Deno.test("smtpd may reach a unix: policy service's socket and nothing beside it", () => {
  const roles = rolePermissions(
    configOf(
      BASE + `
smtpd_recipient_restrictions = "reject_unauth_destination, check_policy_service unix:/run/postgrey/socket"
`,
    ),
    FACTS,
  );
  assert.ok(roles.smtpd.read.includes("/run/postgrey/socket"));
  assert.ok(roles.smtpd.write.includes("/run/postgrey/socket"));
  assert.ok(!roles.smtpd.write.includes("/run/postgrey"));
  assert.ok(!roles.pop3d.write.includes("/run/postgrey/socket"));
});
