import assert from "node:assert/strict";
import { join } from "node:path";
import { LookupTableError } from "../../../src/maps/lookup_table.ts";
import { openMap } from "../../../src/maps/open_map.ts";
import { openAliasTable } from "../../../src/maps/alias_table.ts";

/** Collects warnings instead of logging them. */
function collector() {
  const lines: string[] = [];
  return { lines, log: { warning: (line: string) => void lines.push(line) } };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-avail-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a missing table file is a temporary failure, warned once per breakage", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "vmail_aliases");
    let now = 1_000_000;
    const { lines, log } = collector();
    const table = openMap(`hash:${path}`, { clock: () => now, log });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(table.lookup("a@example.com"), LookupTableError);
      now += 1000;
    }
    assert.deepEqual(lines, [
      `hash:${path} is unavailable. open ${path}: No such file or directory`,
    ]);

    await Deno.writeTextFile(path, "a@example.com  b@example.com\n");
    now += 1000;
    assert.equal(await table.lookup("a@example.com"), "b@example.com");
    assert.equal(lines.length, 1, "no warning while the file is fine");

    await Deno.remove(path);
    now += 1000;
    await assert.rejects(table.lookup("a@example.com"), LookupTableError);
    now += 1000;
    await assert.rejects(table.lookup("a@example.com"), LookupTableError);
    assert.equal(lines.length, 2, "broken again: warned again, once");
    assert.equal(lines[1], lines[0]);
  });
});

Deno.test("two tables on one missing file share one warning", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "shared");
    const { lines, log } = collector();
    const one = openMap(`hash:${path}`, { log });
    const two = openMap(`texthash:${path}`, { log });
    await assert.rejects(one.lookup("x"), LookupTableError);
    await assert.rejects(two.lookup("x"), LookupTableError);
    assert.equal(lines.length, 1);
  });
});

Deno.test("an alias file other than /etc/aliases: missing is a temporary failure", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    const { lines, log } = collector();
    const table = openAliasTable(`hash:${path}`, { log });
    await assert.rejects(table.lookup("root"), LookupTableError);
    assert.deepEqual(lines, [
      `hash:${path} is unavailable. open ${path}: No such file or directory`,
    ]);
  });
});

Deno.test("the system aliases file: missing is an empty table, warned once", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    let now = 1_000_000;
    const { lines, log } = collector();
    const table = openAliasTable(`hash:${path}`, {
      log,
      clock: () => now,
      missingIsEmpty: (p) => p === path,
    });
    assert.equal(await table.lookup("root"), undefined);
    now += 1000;
    assert.equal(await table.lookup("root"), undefined);
    assert.deepEqual(lines, [
      `hash:${path} is unavailable. open ${path}: No such file or directory; treated as an empty table`,
    ]);
    await Deno.writeTextFile(path, "root: alice\n");
    now += 1000;
    assert.deepEqual(await table.lookup("root"), ["alice"]);
  });
});
