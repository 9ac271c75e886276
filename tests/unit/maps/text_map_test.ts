import assert from "node:assert/strict";
import { join } from "node:path";
import { LookupTableError } from "../../../src/maps/lookup_table.ts";
import { openTextMap } from "../../../src/maps/text_map.ts";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => now += ms };
}

async function withTable(
  text: string,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-maps-" });
  try {
    const path = join(dir, "table");
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("text map: lookups are case-insensitive and exact", async () => {
  await withTable("Bob@Example.org  OK\nexample.org REJECT\n", async (path) => {
    const table = openTextMap(`hash:${path}`, path);
    assert.equal(table.spec, `hash:${path}`);
    assert.equal(await table.lookup("bob@example.org"), "OK");
    assert.equal(await table.lookup("BOB@EXAMPLE.ORG"), "OK");
    assert.equal(await table.lookup("example.org"), "REJECT");
    assert.equal(await table.lookup("sub.example.org"), undefined);
  });
});

Deno.test("text map: a changed file is re-read after the check interval", async () => {
  await withTable("key old\n", async (path) => {
    const clock = manualClock();
    const table = openTextMap(`hash:${path}`, path, { clock: clock.now });
    assert.equal(await table.lookup("key"), "old");
    // Different size, so the change is seen even within one mtime tick.
    await Deno.writeTextFile(path, "key newer\n");
    clock.advance(999);
    assert.equal(await table.lookup("key"), "old", "not checked yet");
    clock.advance(1);
    assert.equal(await table.lookup("key"), "newer");
  });
});

Deno.test("text map: a file replaced by rename is seen", async () => {
  await withTable("key one\n", async (path) => {
    const clock = manualClock();
    const table = openTextMap(`texthash:${path}`, path, { clock: clock.now });
    assert.equal(await table.lookup("key"), "one");
    // Same size and possibly the same mtime: the inode differs.
    await Deno.writeTextFile(`${path}.new`, "key two\n");
    await Deno.rename(`${path}.new`, path);
    clock.advance(1000);
    assert.equal(await table.lookup("key"), "two");
  });
});

Deno.test("text map: an unchanged file is not parsed again", async () => {
  await withTable("good 1\nbad\n", async (path) => {
    const clock = manualClock();
    const warnings: string[] = [];
    const table = openTextMap(`hash:${path}`, path, {
      clock: clock.now,
      log: { warning: (w) => warnings.push(w) },
    });
    assert.equal(await table.lookup("good"), "1");
    clock.advance(5000);
    assert.equal(await table.lookup("good"), "1");
    assert.deepEqual(warnings, [
      `"${path}", line 2: expected format "key whitespace value": no value for key "bad"`,
    ]);
  });
});

Deno.test("text map: concurrent first lookups share one read", async () => {
  await withTable("a 1\nbroken\n", async (path) => {
    const warnings: string[] = [];
    const table = openTextMap(`hash:${path}`, path, {
      log: { warning: (w) => warnings.push(w) },
    });
    const values = await Promise.all([
      table.lookup("a"),
      table.lookup("a"),
      table.lookup("b"),
    ]);
    assert.deepEqual(values, ["1", "1", undefined]);
    assert.equal(warnings.length, 1);
  });
});

Deno.test("text map: a missing file is a lookup error, tried again later", async () => {
  await withTable("", async (path) => {
    await Deno.remove(path);
    const table = openTextMap(`hash:${path}`, path);
    const error = await table.lookup("x").then(
      () => assert.fail("lookup should fail"),
      (e) => e,
    );
    assert.ok(error instanceof LookupTableError);
    assert.equal(error.spec, `hash:${path}`);
    assert.match(error.message, /^cannot read lookup table "hash:.*": /);
    await Deno.writeTextFile(path, "x found\n");
    assert.equal(await table.lookup("x"), "found");
  });
});
