/**
 * smtpd's and pop3d's threads run with the grants the daemon computes
 * for them (listenerRolePermissions, the function startListenerRoles
 * applies): a probe Worker holding exactly those grants shows what each
 * may do and that the rest fails with Deno.errors.NotCapable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/parse_config.ts";
import type { Config } from "../../../src/config/types.ts";
import type { ListenerRoleName } from "../../../src/master/listener_protocol.ts";
import {
  authRolePermissions,
  listenerRolePermissions,
} from "../../../src/master/listener_roles.ts";
import type { Probe } from "./fixtures/sandbox_probe_worker.ts";
import { runProbes } from "./fixtures/run_probes.ts";

/** Runs `probes` in a Worker with `role`'s thread's permissions. */
function probe(
  role: ListenerRoleName,
  config: Config,
  probes: Probe[],
): Promise<string[]> {
  return runProbes(listenerRolePermissions(role, config), probes);
}

async function setUp(extra: string[] = []) {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-listeners-" });
  const queue = join(root, "queue");
  const vmail = join(root, "vmail");
  const passwd = join(root, "passwd");
  for (const dir of [queue, vmail, join(passwd, "one.test")]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.mkdir(join(queue, "incoming"));
  await Deno.writeTextFile(join(queue, "incoming", "queued"), "queued\n");
  const passwdFile = join(passwd, "one.test", "passwd");
  await Deno.writeTextFile(passwdFile, "ann:$apr1$xyz$hash\n");
  // Someone else's service on this host: neither role may reach it.
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const config = parseConfig({
    file: join(root, "mailsrv.toml"),
    text: [
      `queue_directory = "${queue}"`,
      `virtual_mailbox_base = "${vmail}"`,
      `pop3_passwd_directory = "${passwd}"`,
      `maillog_file = "${join(root, "maillog")}"`,
      ...extra,
      `[[listener]]`,
      `kind = "smtp"`,
      `address = "127.0.0.1"`,
      `port = 2525`,
      `[[listener]]`,
      `kind = "pop3"`,
      `address = "127.0.0.1"`,
      `port = 1110`,
    ].join("\n"),
    homeDirectory: root,
    system: { hostname: "mx.example.test", interfaces: [] },
  }).config;
  return {
    root,
    queue,
    vmail,
    passwdFile,
    config,
    otherPort: (other.addr as Deno.NetAddr).port,
    async tearDown() {
      other.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("smtpd's thread writes the queue's entry; a mailbox, a passwd file, a command and other hosts are denied", async () => {
  const t = await setUp();
  try {
    const results = await probe("smtpd", t.config, [
      { kind: "write", path: join(t.queue, "incoming", "probe") },
      { kind: "write", path: join(t.vmail, "stolen") },
      { kind: "read", path: t.passwdFile },
      { kind: "run", program: "/bin/sh" },
      { kind: "connect", port: t.otherPort },
      { kind: "write", path: join(t.queue, "active", "probe") },
    ]);
    assert.equal(results[0], "ok");
    assert.match(
      results[1],
      /^NotCapable: Requires write access to ".*stolen"/,
    );
    assert.match(results[2], /^NotCapable: Requires read access to ".*passwd"/);
    assert.match(results[3], /^NotCapable: Requires run access/);
    assert.match(results[4], /^NotCapable: Requires net access/);
    assert.match(results[5], /^NotCapable: Requires write access/);
  } finally {
    await t.tearDown();
  }
});

Deno.test("pop3d's thread reads passwd files; the queue, commands and connections out are denied", async () => {
  const t = await setUp();
  try {
    const results = await probe("pop3d", t.config, [
      { kind: "read", path: t.passwdFile },
      { kind: "write", path: join(t.vmail, "probe") },
      { kind: "read", path: join(t.queue, "incoming", "queued") },
      { kind: "write", path: join(t.queue, "incoming", "probe") },
      { kind: "connect", port: t.otherPort },
      { kind: "run", program: "/bin/sh" },
    ]);
    assert.deepEqual(results.slice(0, 2), ["ok", "ok"]);
    assert.match(results[2], /^NotCapable: Requires read access to ".*queued"/);
    assert.match(results[3], /^NotCapable: Requires write access/);
    assert.match(results[4], /^NotCapable: Requires net access/);
    assert.match(results[5], /^NotCapable: Requires run access/);
  } finally {
    await t.tearDown();
  }
});

Deno.test("with SMTP AUTH offered, smtpd reads neither the passwd files nor the SASL users file; the auth thread reads both and cannot write, connect or run", async () => {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-auth-" });
  const users = join(root, "sasl_users");
  await Deno.writeTextFile(users, "bob:$apr1$xyz$hash\n");
  const t = await setUp([
    `smtpd_sasl_auth_enable = true`,
    `smtpd_sasl_users_file = "${users}"`,
  ]);
  try {
    const smtpd = await probe("smtpd", t.config, [
      { kind: "read", path: t.passwdFile },
      { kind: "read", path: users },
    ]);
    assert.match(smtpd[0], /^NotCapable: Requires read access to ".*passwd"/);
    assert.match(smtpd[1], /^NotCapable: Requires read access to ".*users"/);
    const auth = await runProbes(authRolePermissions(t.config), [
      { kind: "read", path: t.passwdFile },
      { kind: "read", path: users },
      { kind: "write", path: join(t.vmail, "stolen") },
      { kind: "write", path: users },
      { kind: "connect", port: t.otherPort },
      { kind: "listen" },
      { kind: "run", program: "/bin/sh" },
      { kind: "read", path: join(t.queue, "incoming", "queued") },
    ]);
    assert.deepEqual(auth.slice(0, 2), ["ok", "ok"]);
    assert.match(auth[2], /^NotCapable: Requires write access/);
    assert.match(auth[3], /^NotCapable: Requires write access/);
    assert.match(auth[4], /^NotCapable: Requires net access/);
    assert.match(auth[5], /^NotCapable: Requires net access/);
    assert.match(auth[6], /^NotCapable: Requires run access/);
    assert.match(auth[7], /^NotCapable: Requires read access/);
  } finally {
    await t.tearDown();
    await Deno.remove(root, { recursive: true });
  }
});
