import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../../src/config/types.ts";
import { createRecipientVerifier } from "../../../../src/delivery/local/local_recipient.ts";
import { withLocalFixture } from "../local_fixture.ts";

const USER_UNKNOWN = {
  ok: false,
  code: 550,
  dsn: "5.1.1",
  text: "Recipient address rejected: User unknown in local recipient table",
};
const BAD_SYNTAX = {
  ok: false,
  code: 550,
  dsn: "5.1.3",
  text: "Recipient address rejected: Bad destination mailbox address syntax",
};

Deno.test("verifier: empty local_recipient_maps accepts every safe local part", async () => {
  await withLocalFixture(async (fixture) => {
    const verify = createRecipientVerifier(() => fixture.config());
    assert.deepEqual(await verify("anyone@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("../x@mx.example.org"), BAD_SYNTAX);
    assert.deepEqual(await verify(".x@mx.example.org"), BAD_SYNTAX);
  });
});

Deno.test("verifier: unix:passwd.byname accepts the system's users", async () => {
  await withLocalFixture(async (fixture) => {
    const config = fixture.config({
      local_recipient_maps: ["unix:passwd.byname"],
    });
    const verify = createRecipientVerifier(() => config, {
      passwdFile: fixture.passwdFile,
    });
    assert.deepEqual(await verify("bob@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("BOB+news@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("postmaster@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("carol@mx.example.org"), USER_UNKNOWN);
    assert.deepEqual(await verify("a/b@mx.example.org"), BAD_SYNTAX);
  });
});

Deno.test("verifier: any of the maps; full address and bare name keys", async () => {
  await withLocalFixture(async (fixture) => {
    const users = join(fixture.dir, "users");
    await Deno.writeTextFile(
      users,
      "carol@mx.example.org  ok\ndave+lists  ok\n",
    );
    const config = fixture.config({
      local_recipient_maps: ["unix:passwd.byname", `hash:${users}`],
    });
    const verify = createRecipientVerifier(() => config, {
      passwdFile: fixture.passwdFile,
    });
    assert.deepEqual(await verify("bob@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("carol+x@mx.example.org"), { ok: true });
    assert.deepEqual(await verify("carol@localhost"), USER_UNKNOWN);
    assert.deepEqual(await verify("dave+lists@localhost"), { ok: true });
    assert.deepEqual(await verify("dave@localhost"), USER_UNKNOWN);
  });
});

Deno.test("verifier: follows configuration changes", async () => {
  await withLocalFixture(async (fixture) => {
    let config: Config = fixture.config();
    const verify = createRecipientVerifier(() => config, {
      passwdFile: fixture.passwdFile,
    });
    assert.deepEqual(await verify("carol@mx.example.org"), { ok: true });
    config = fixture.config({ local_recipient_maps: ["unix:passwd.byname"] });
    assert.deepEqual(await verify("carol@mx.example.org"), USER_UNKNOWN);
  });
});

Deno.test("verifier: a table that cannot be read is a temporary failure", async () => {
  await withLocalFixture(async (fixture) => {
    for (const spec of [`hash:${fixture.dir}/missing`, "nope:x"]) {
      const config = fixture.config({ local_recipient_maps: [spec] });
      const verify = createRecipientVerifier(() => config);
      assert.deepEqual(await verify("bob@mx.example.org"), {
        ok: false,
        code: 451,
        dsn: "4.3.0",
        text: "Recipient address rejected: Temporary lookup failure",
      }, spec);
    }
  });
});
