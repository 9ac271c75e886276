/** Tests for virtual_recipient.ts: smtpd's RCPT verdicts for virtual domains. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createVirtualRecipientVerifier,
  isVirtualDomain,
} from "../../../../src/delivery/virtual/virtual_recipient.ts";
import { withTempDir } from "../test_message.ts";
import { virtualConfig } from "../virtual_fixture.ts";

Deno.test("createVirtualRecipientVerifier: verdicts", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const verify = createVirtualRecipientVerifier(() => config);
    assert.deepEqual(await verify("Alice@ONE.test"), { ok: true });
    assert.deepEqual(await verify("anyone@two.test"), { ok: true });
    assert.deepEqual(await verify("sales@one.test"), { ok: true });
    assert.deepEqual(await verify("x@alias.test"), { ok: true });
    // Listed, but with a value delivery refuses: rejected now, not bounced later.
    assert.equal((await verify("evil@one.test"))?.ok, false);
    assert.deepEqual(await verify("carol@one.test"), {
      ok: false,
      code: 550,
      dsn: "5.1.1",
      text: "Recipient address rejected: User unknown in virtual mailbox table",
    });
    assert.deepEqual(await verify("../x@one.test"), {
      ok: false,
      code: 550,
      dsn: "5.1.3",
      text:
        "Recipient address rejected: Bad destination mailbox address syntax",
    });
    const loop = await verify("loop1@one.test");
    assert.equal(loop?.ok, false);
    assert.equal(loop.ok === false && loop.dsn, "5.4.6");
    assert.equal(await verify("root@example.org"), undefined);
    assert.equal(await verify("x@elsewhere.test"), undefined);
  });
});

Deno.test("createVirtualRecipientVerifier: unreadable table answers 451 4.3.0", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    await Deno.remove(join(dir, "vmailbox"));
    const verify = createVirtualRecipientVerifier(() => config);
    assert.deepEqual(await verify("alice@one.test"), {
      ok: false,
      code: 451,
      dsn: "4.3.0",
      text: "Recipient address rejected: Temporary lookup failure",
    });
  });
});

Deno.test("isVirtualDomain: lists, names, case and trailing dot", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    assert.equal(await isVirtualDomain("one.test", config), true);
    assert.equal(await isVirtualDomain("TWO.TEST.", config), true);
    assert.equal(await isVirtualDomain("alias.test", config), true);
    assert.equal(await isVirtualDomain("virtual", config), false);
    assert.equal(await isVirtualDomain("example.org", config), false);
    assert.equal(await isVirtualDomain("", config), false);
  });
});
