/**
 * `mailsrv domain` and `mailsrv user` end to end: the real CLI on a temp
 * configuration, checking the files the classic recipe needs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { haveProgram, runMailsrv } from "../helpers/daemon.ts";

interface AdminSetup {
  readonly home: string;
  readonly base: string;
  readonly run: (
    args: string[],
    stdin?: string,
  ) => ReturnType<typeof runMailsrv>;
}

async function withAdminSetup(
  body: (setup: AdminSetup) => Promise<void>,
): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-admin-" });
  const base = join(home, "virtual");
  await Deno.mkdir(base);
  await Deno.writeTextFile(
    join(home, "vdomains"),
    "# virtual domains, kept by hand too\nold.test virtual\n",
  );
  await Deno.writeTextFile(
    join(home, "vmailbox"),
    "# mailboxes\nkeep@old.test  old.test/keep/\n",
  );
  await Deno.chmod(join(home, "vmailbox"), 0o640);
  const uid = Deno.uid() === 0 ? 200 : Deno.uid()!;
  const gid = Deno.uid() === 0 ? 201 : Deno.gid()!;
  const configPath = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    configPath,
    [
      `queue_directory = "${join(home, "queue")}"`,
      `virtual_mailbox_domains = "hash:${join(home, "vdomains")}"`,
      `virtual_mailbox_maps = "hash:${join(home, "vmailbox")}"`,
      `virtual_mailbox_base = "${base}"`,
      `virtual_uid_maps = "static:${uid}"`,
      `virtual_gid_maps = "static:${gid}"`,
      `pop3_passwd_directory = "${base}"`,
      "",
    ].join("\n"),
  );
  try {
    await body({
      home,
      base,
      run: (args, stdin) =>
        runMailsrv([...args, "--config", configPath], { stdin }),
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("domain add/list/del edit the domains file and create the directories", async () => {
  await withAdminSetup(async ({ home, base, run }) => {
    const added = await run(["domain", "add", "New.Test"]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(
      await Deno.readTextFile(join(home, "vdomains")),
      "# virtual domains, kept by hand too\nold.test virtual\nnew.test\tvirtual\n",
    );
    assert.equal(await mode(join(base, "new.test")), 0o700);
    assert.equal(await mode(join(base, "new.test", "passwd")), 0o640);
    assert.equal(await Deno.readTextFile(join(base, "new.test", "passwd")), "");
    if (Deno.uid() === 0) {
      const info = await Deno.stat(join(base, "new.test"));
      assert.deepEqual([info.uid, info.gid], [200, 201]);
    }
    assert.equal(
      (await run(["domain", "list"])).stdout,
      "old.test\nnew.test\n",
    );

    const again = await run(["domain", "add", "new.test"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /domain "new\.test" is already in/);
    const bad = await run(["domain", "add", "../etc"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"\.\.\/etc" is not a valid domain name/);

    const removed = await run(["domain", "del", "new.test"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await run(["domain", "list"])).stdout, "old.test\n");
  });
});

Deno.test("user add/passwd/list/del with --password-stdin; domain del refuses users unless --force", async () => {
  await withAdminSetup(async ({ home, base, run }) => {
    assert.equal((await run(["domain", "add", "one.test"])).code, 0);
    const add = await run(
      ["user", "add", "--password-stdin", "Alice@One.Test"],
      "secret1\nignored\n",
    );
    assert.equal(add.code, 0, add.stderr);
    const mbox = await run(
      ["user", "add", "--mbox", "--password-stdin", "bob@one.test"],
      "secret2\n",
    );
    assert.equal(mbox.code, 0, mbox.stderr);

    const map = await Deno.readTextFile(join(home, "vmailbox"));
    assert.equal(
      map,
      "# mailboxes\nkeep@old.test  old.test/keep/\n" +
        "alice@one.test\tone.test/alice/\nbob@one.test\tone.test/bob\n",
    );
    assert.equal(await mode(join(home, "vmailbox")), 0o640, "mode kept");
    for (const sub of ["", "tmp", "new", "cur"]) {
      assert.equal(await mode(join(base, "one.test", "alice", sub)), 0o700);
    }
    assert.equal(await mode(join(base, "one.test", "bob")), 0o600);
    assert.ok((await Deno.stat(join(base, "one.test", "bob"))).isFile);
    const passwd = join(base, "one.test", "passwd");
    const lines = (await Deno.readTextFile(passwd)).trimEnd().split("\n");
    assert.deepEqual(lines.map((l) => l.split(":")[0]), ["alice", "bob"]);
    assert.match(lines[0], /^alice:\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/);
    await verifyWithHtpasswd(passwd, "alice", "secret1");

    const dup = await run(
      ["user", "add", "--password-stdin", "alice@one.test"],
      "x\n",
    );
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /user "alice@one\.test" already exists/);
    assert.equal(await Deno.readTextFile(join(home, "vmailbox")), map);
    const noDomain = await run([
      "user",
      "add",
      "--password-stdin",
      "c@nowhere.test",
    ], "x\n");
    assert.equal(noDomain.code, 1);
    assert.match(noDomain.stderr, /domain "nowhere\.test" is not in/);
    const empty = await run(
      ["user", "add", "--password-stdin", "d@one.test"],
      "\n",
    );
    assert.match(empty.stderr, /empty password refused/);
    const argv = await run(["user", "add", "--password", "x", "d@one.test"]);
    assert.equal(argv.code, 64, "no password option on the command line");

    const before = lines[0];
    const change = await run([
      "user",
      "passwd",
      "--password-stdin",
      "alice@one.test",
    ], "newpass\n");
    assert.equal(change.code, 0, change.stderr);
    const changed = (await Deno.readTextFile(passwd)).split("\n")[0];
    assert.notEqual(changed, before);
    await verifyWithHtpasswd(passwd, "alice", "newpass");

    assert.equal(
      (await run(["user", "list", "one.test"])).stdout,
      "alice@one.test\nbob@one.test\n",
    );

    const refused = await run(["domain", "del", "one.test"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /still has 2 user\(s\).*--force/);

    const del = await run(["user", "del", "bob@one.test"]);
    assert.equal(del.code, 0, del.stderr);
    assert.ok(
      (await Deno.stat(join(base, "one.test", "bob"))).isFile,
      "mailbox kept",
    );
    const purge = await run(["user", "del", "--purge", "alice@one.test"]);
    assert.equal(purge.code, 0, purge.stderr);
    await assert.rejects(
      Deno.stat(join(base, "one.test", "alice")),
      Deno.errors.NotFound,
    );
    assert.equal(
      await Deno.readTextFile(join(home, "vmailbox")),
      "# mailboxes\nkeep@old.test  old.test/keep/\n",
    );
    assert.equal(await Deno.readTextFile(passwd), "");

    assert.equal(
      (await run(["user", "add", "--password-stdin", "e@one.test"], "p\n"))
        .code,
      0,
    );
    const forced = await run(["domain", "del", "--force", "one.test"]);
    assert.equal(forced.code, 0, forced.stderr);
    await assert.rejects(
      Deno.stat(join(base, "one.test")),
      Deno.errors.NotFound,
    );
    assert.equal(
      await Deno.readTextFile(join(home, "vmailbox")),
      "# mailboxes\nkeep@old.test  old.test/keep/\n",
    );
  });
});

Deno.test("the commands refuse a configuration without a domains table file", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-admin-" });
  try {
    const configPath = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      configPath,
      `queue_directory = "${
        join(home, "queue")
      }"\nvirtual_mailbox_domains = "one.test"\n`,
    );
    const r = await runMailsrv([
      "domain",
      "add",
      "two.test",
      "--config",
      configPath,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /virtual_mailbox_domains names no table file to edit/,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

async function verifyWithHtpasswd(
  file: string,
  user: string,
  password: string,
) {
  if (!haveProgram("htpasswd")) {
    if (Deno.env.get("CI") === "true") throw new Error("htpasswd is missing");
    console.warn("SKIP htpasswd -vb check: apache2-utils is not installed");
    return;
  }
  const r = await new Deno.Command("htpasswd", {
    args: ["-vb", file, user, password],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}
