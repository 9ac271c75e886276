import assert from "node:assert/strict";
import { join } from "node:path";
import { createMapCache, openMap } from "../../../src/maps/mod.ts";

Deno.test("openMap: each type by its spec", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-maps-" });
  try {
    const file = join(dir, "t");
    await Deno.writeTextFile(file, "k v\n");
    const passwdFile = join(dir, "passwd");
    await Deno.writeTextFile(passwdFile, "bob:x:1:1::/home/bob:/bin/sh\n");
    const options = { passwdFile };
    assert.equal(await openMap(`hash:${file}`, options).lookup("K"), "v");
    assert.equal(await openMap(`texthash:${file}`, options).lookup("k"), "v");
    assert.equal(await openMap("static:DUNNO").lookup("k"), "DUNNO");
    assert.equal(await openMap("inline:{ k=w }").lookup("k"), "w");
    assert.match(
      (await openMap("unix:passwd.byname", options).lookup("bob"))!,
      /^bob:/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openMap: an unknown type names the spec and the known types", () => {
  assert.throws(
    () => openMap("btree:/etc/x"),
    (e: Error) =>
      e.message ===
        'unsupported lookup table type "btree" in "btree:/etc/x" (supported: hash, texthash, static, unix, inline, cidr, regexp, pcre)',
  );
});

Deno.test("openMap: malformed specs are refused", () => {
  assert.throws(() => openMap("/etc/x"), /bad lookup table "\/etc\/x"/);
  assert.throws(() => openMap(":x"), /expected "type:name"/);
  assert.throws(() => openMap("hash:"), /missing name after "hash:"/);
});

Deno.test("map cache: one table per spec", () => {
  const cache = createMapCache();
  const a = cache.open("static:OK");
  assert.equal(cache.open("static:OK"), a);
  assert.notEqual(cache.open("static:NO"), a);
  assert.throws(() => cache.open("nope:x"), /unsupported lookup table type/);
});
