import assert from "node:assert/strict";
import { join } from "node:path";
import { openUnixMap } from "../../../src/maps/unix_map.ts";

Deno.test("unix:passwd.byname returns the passwd line of a user", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-maps-" });
  try {
    const passwdFile = join(dir, "passwd");
    await Deno.writeTextFile(
      passwdFile,
      "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:100::/home/bob:/bin/sh\n",
    );
    let now = 0;
    const table = openUnixMap("unix:passwd.byname", "passwd.byname", {
      passwdFile,
      clock: () => now,
    });
    assert.equal(
      await table.lookup("Bob"),
      "bob:x:1001:100::/home/bob:/bin/sh",
    );
    assert.equal(await table.lookup("carol"), undefined);
    await Deno.writeTextFile(
      passwdFile,
      "carol:x:1002:100::/home/carol:/bin/sh\n",
      { append: true },
    );
    now += 1000;
    assert.equal(
      await table.lookup("carol"),
      "carol:x:1002:100::/home/carol:/bin/sh",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unix: only passwd.byname exists", () => {
  assert.throws(
    () => openUnixMap("unix:group.byname", "group.byname"),
    /^Error: unsupported unix table "unix:group\.byname"/,
  );
});
