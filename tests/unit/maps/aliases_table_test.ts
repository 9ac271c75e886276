import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createAliasTableCache,
  openAliasTable,
} from "../../../src/maps/alias_table.ts";
import { LookupTableError } from "../../../src/maps/lookup_table.ts";

/** Collects warnings instead of logging them. */
function collector() {
  const lines: string[] = [];
  return { lines, log: { warning: (line: string) => void lines.push(line) } };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-aliases-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("alias table: hash: reads aliases(5) syntax, case-insensitively", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    await Deno.writeTextFile(path, 'Staff: alice, "|cmd a, b"\n');
    const table = openAliasTable(`hash:${path}`);
    assert.equal(table.spec, `hash:${path}`);
    assert.deepEqual(await table.lookup("STAFF"), ["alice", '"|cmd a, b"']);
    assert.equal(await table.lookup("nobody"), undefined);
  });
});

Deno.test("alias table: a missing file is a temporary failure, owned by root", async () => {
  await withDir(async (dir) => {
    const table = openAliasTable(`texthash:${join(dir, "none")}`, {
      log: collector().log,
    });
    await assert.rejects(table.lookup("root"), LookupTableError);
    assert.deepEqual(await table.owner(), { uid: 0, gid: 0 });
  });
});

Deno.test("alias table: a file that exists but cannot be read is an error", async () => {
  await withDir(async (dir) => {
    // A directory: stat succeeds, reading fails.
    const table = openAliasTable(`hash:${dir}`);
    await assert.rejects(table.lookup("root"), LookupTableError);
  });
});

Deno.test("alias table: the owner is the file's owner", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    await Deno.writeTextFile(path, "a: b\n");
    const info = await Deno.stat(path);
    assert.deepEqual(await openAliasTable(`hash:${path}`).owner(), {
      uid: info.uid,
      gid: info.gid,
    });
  });
});

Deno.test("alias table: a changed file is re-read; problems are logged with file and line", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    await Deno.writeTextFile(path, "a: old\n");
    let now = 5_000;
    const { lines, log } = collector();
    const table = openAliasTable(`hash:${path}`, { clock: () => now, log });
    assert.deepEqual(await table.lookup("a"), ["old"]);
    await Deno.writeTextFile(path, "a: newer, x\nbroken\n");
    now += 1000;
    assert.deepEqual(await table.lookup("a"), ["newer", "x"]);
    assert.deepEqual(lines, [`${path}:2: missing ":" in "broken"`]);
  });
});

Deno.test("alias table: inline: and static: values are split at commas", async () => {
  const inline = openAliasTable("inline:{ {list = alice, bob}, root=admin }");
  assert.deepEqual(await inline.lookup("LIST"), ["alice", "bob"]);
  assert.deepEqual(await inline.lookup("root"), ["admin"]);
  assert.equal(await inline.lookup("other"), undefined);
  assert.deepEqual(await inline.owner(), { uid: 0, gid: 0 });
  const fixed = openAliasTable("static:{ postmaster, abuse@example.com }");
  assert.deepEqual(await fixed.lookup("anything"), [
    "postmaster",
    "abuse@example.com",
  ]);
});

Deno.test("alias table: a bad spec throws when opened", () => {
  assert.throws(() => openAliasTable("nosuch:/x"), /unsupported lookup table/);
});

Deno.test("alias table cache: one table per spec", () => {
  const cache = createAliasTableCache();
  const a = cache.open("inline:{ a=b }");
  assert.equal(cache.open("inline:{ a=b }"), a);
  assert.notEqual(cache.open("inline:{ a=c }"), a);
});
