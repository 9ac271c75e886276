/**
 * Roles started with their computed permissions (role_permissions.ts):
 * what a role was not granted fails with Deno.errors.NotCapable, and the
 * delivery code turns it into a deferral, not a crash.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/parse_config.ts";
import {
  type RolePermissions,
  rolePermissions,
  type SandboxFacts,
  workerPermissions,
} from "../../../src/master/role_permissions.ts";
import { gatherSandboxFacts } from "../../../src/master/sandbox_facts.ts";
import type { Probe } from "./fixtures/sandbox_probe_worker.ts";
import { runProbes } from "./fixtures/run_probes.ts";

/** Runs `probes` in a Worker holding only `role`'s permissions. */
function probe(
  role: RolePermissions,
  probes: Probe[],
): Promise<string[]> {
  return runProbes(workerPermissions(role), probes);
}

async function setUp() {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-roles-" });
  const queue = join(root, "queue");
  const spool = join(root, "mail");
  const outside = join(root, "etc");
  for (const dir of [queue, spool, outside]) await Deno.mkdir(dir);
  await Deno.writeTextFile(join(outside, "sasl_users"), "ann:secret\n");
  const config = parseConfig({
    file: join(root, "mailsrv.toml"),
    text: [
      `queue_directory = "${queue}"`,
      `mail_spool_directory = "${spool}/"`,
      `alias_maps = "hash:${join(outside, "aliases")}"`,
      `smtpd_sasl_users_file = "${join(outside, "sasl_users")}"`,
      `maillog_file = "${join(root, "maillog")}"`,
      `forward_path = ""`,
    ].join("\n"),
    homeDirectory: root,
    system: { hostname: "mx.example.test", interfaces: [] },
  }).config;
  const facts: SandboxFacts = {
    ...gatherSandboxFacts(config),
    nameServers: [{ address: "127.0.0.1", port: 53 }],
    homes: [],
  };
  return { root, queue, spool, outside, roles: rolePermissions(config, facts) };
}

Deno.test("the queue manager reads and writes the queue and nothing else", async () => {
  const { root, queue, spool, outside, roles } = await setUp();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const results = await probe(roles.qmgr, [
      { kind: "write", path: join(queue, "probe") },
      { kind: "write", path: join(spool, "probe") },
      { kind: "read", path: join(outside, "sasl_users") },
      { kind: "connect", port: (listener.addr as Deno.NetAddr).port },
      { kind: "listen" },
      { kind: "run", program: "/bin/sh" },
    ]);
    assert.equal(results[0], "ok");
    for (const denied of results.slice(1)) {
      assert.match(denied, /^NotCapable: Requires (write|read|net|run) access/);
    }
  } finally {
    listener.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("local delivery writes mailboxes; a file target elsewhere is deferred, not a crash", async () => {
  const { root, spool, outside, roles } = await setUp();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const results = await probe(roles.local, [
      { kind: "file-target", path: join(spool, "ann") },
      { kind: "file-target", path: join(outside, "stolen") },
      { kind: "read", path: join(outside, "sasl_users") },
      { kind: "connect", port: (listener.addr as Deno.NetAddr).port },
      { kind: "listen" },
    ]);
    assert.equal(results[0], "ok");
    assert.match(
      results[1],
      /^DeliveryError 4\.3\.0: .*denied by the mailsrv sandbox \(Requires write access to ".*stolen"\)/,
    );
    await assert.rejects(
      Deno.stat(join(outside, "stolen")),
      Deno.errors.NotFound,
    );
    for (const denied of results.slice(2)) {
      assert.match(denied, /^NotCapable: /);
    }
  } finally {
    listener.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pop3d runs nothing and reads no queue; smtpd writes no mailbox", async () => {
  const { root, queue, spool, outside, roles } = await setUp();
  try {
    const pop3d = await probe(roles.pop3d, [
      { kind: "read", path: join(queue, "probe") },
      { kind: "run", program: "/bin/sh" },
    ]);
    for (const denied of pop3d) assert.match(denied, /^NotCapable: /);
    const smtpd = await probe(roles.smtpd, [
      { kind: "read", path: join(outside, "sasl_users") },
      { kind: "write", path: join(spool, "probe") },
      { kind: "run", program: "/bin/sh" },
    ]);
    // The SASL users file is the auth thread's alone.
    for (const denied of smtpd) assert.match(denied, /^NotCapable: /);
    const auth = await probe(roles.auth, [
      { kind: "read", path: join(outside, "sasl_users") },
      { kind: "write", path: join(outside, "sasl_users") },
      { kind: "run", program: "/bin/sh" },
    ]);
    assert.equal(auth[0], "ok");
    for (const denied of auth.slice(1)) {
      assert.match(denied, /^NotCapable: /);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("local delivery kills a command's whole process group without an unrestricted run grant", async () => {
  const { root, roles } = await setUp();
  try {
    assert.ok(roles.local.run.includes("/bin/sh"));
    if (!roles.local.run.some((p) => p.endsWith("/kill"))) {
      throw new Error("kill(1) is not installed (procps)");
    }
    const [result] = await probe(roles.local, [
      { kind: "kill-group", shell: "/bin/sh" },
    ]);
    const member = /^ok (\d+)$/.exec(result)?.[1];
    assert.ok(member, result);
    // kill(1) ran asynchronously: wait for the member's end, bounded.
    let alive = true;
    for (let i = 0; i < 200 && alive; i++) {
      alive = running(Number(member));
      if (alive) await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(alive, false, `pipeline member ${member} outlived its group`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * Whether process `pid` still runs: a killed process whose new parent has
 * not reaped it yet is a zombie (state Z), which signals still reach.
 */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(
      stat.lastIndexOf(")") + 2,
      stat.lastIndexOf(")") + 3,
    );
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
