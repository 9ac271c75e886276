import assert from "node:assert/strict";
import { lookupLocalUser } from "../../../../src/delivery/local/local_users.ts";
import { withLocalFixture } from "../local_fixture.ts";

Deno.test("lookupLocalUser: name, ids, home and shell from passwd", async () => {
  await withLocalFixture(async (fixture) => {
    const options = { passwdFile: fixture.passwdFile };
    assert.deepEqual(await lookupLocalUser("bob", options), {
      name: "bob",
      uid: 1001,
      gid: 1002,
      home: fixture.home("bob"),
      shell: "/bin/sh",
    });
    assert.equal(await lookupLocalUser("carol", options), undefined);
  });
});

Deno.test("lookupLocalUser: uses the table it is given", async () => {
  const passwd = {
    spec: "test",
    lookup: (key: string) =>
      Promise.resolve(
        key === "eve" ? "eve:x:7:8::/home/eve:/bin/false" : undefined,
      ),
  };
  assert.equal((await lookupLocalUser("eve", { passwd }))?.uid, 7);
  assert.equal(await lookupLocalUser("bob", { passwd }), undefined);
});
