/** Tests for passwd_file.ts: vm-pop3d per-domain passwd files. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createPop3PasswdFiles,
  parsePop3Passwd,
} from "../../../src/auth/passwd_file.ts";
import { LookupTableError } from "../../../src/maps/mod.ts";

Deno.test("parsePop3Passwd: users, extra fields, comments, first line wins", () => {
  const parsed = parsePop3Passwd(
    [
      "# users of one.test",
      "",
      "alice:$apr1$abc$def",
      "Bob:{SHA}xyz=:1000:1000:Bob:/home/bob:/bin/false",
      "alice:second",
      "no-colon-here",
      ":nohash",
      "carol:\r",
      "  # indented comment",
    ].join("\n"),
    "/etc/virtual/one.test/passwd",
  );
  assert.deepEqual([...parsed.hashes], [
    ["alice", "$apr1$abc$def"],
    ["bob", "{SHA}xyz="],
    ["carol", ""],
  ]);
  assert.deepEqual(parsed.warnings, [
    `"/etc/virtual/one.test/passwd", line 6: expected "user:hash", line skipped`,
    `"/etc/virtual/one.test/passwd", line 7: expected "user:hash", line skipped`,
  ]);
});

Deno.test("createPop3PasswdFiles: finds users, follows changes, missing file has none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let now = 1_000_000;
    const warnings: string[] = [];
    const files = createPop3PasswdFiles({
      clock: () => now,
      log: { warning: (m: string) => warnings.push(m) },
    });
    assert.equal(await files.find(dir, "one.test", "alice"), undefined);
    await Deno.mkdir(join(dir, "one.test"));
    const path = join(dir, "one.test", "passwd");
    await Deno.writeTextFile(path, "alice:hash1\nbad line\n");
    now += 2000;
    assert.equal(await files.find(dir, "one.test", "ALICE"), "hash1");
    assert.equal(await files.find(dir, "one.test", "bob"), undefined);
    assert.equal(warnings.length, 1);
    await Deno.writeTextFile(path, "alice:hash2\nbob:hash3\n");
    now += 2000;
    assert.equal(await files.find(dir, "one.test", "alice"), "hash2");
    assert.equal(await files.find(dir, "one.test", "bob"), "hash3");
    assert.equal(await files.find(dir, "two.test", "bob"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createPop3PasswdFiles: an unreadable passwd is an error, not 'no users'", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A directory where the file should be cannot be read as text.
    await Deno.mkdir(join(dir, "one.test", "passwd"), { recursive: true });
    const files = createPop3PasswdFiles({ clock: () => 0 });
    await assert.rejects(
      files.find(dir, "one.test", "alice"),
      LookupTableError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
