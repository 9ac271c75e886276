/** Tests for virtual_maps.ts: domain lists, mailbox paths, owners. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createVirtualMaps,
  isSafeDomainName,
  resolveMailboxValue,
  VirtualConfigError,
  virtualLookupKeys,
} from "../../../src/resolve/virtual_maps.ts";
import { withTempDir } from "../delivery/test_message.ts";
import { virtualConfig } from "../delivery/virtual_fixture.ts";

Deno.test("resolveMailboxValue: mbox, Maildir, and every escape refused", () => {
  assert.deepEqual(resolveMailboxValue("one.test/alice", "/vmail"), {
    kind: "found",
    mailbox: { format: "mbox", path: "/vmail/one.test/alice" },
  });
  assert.deepEqual(resolveMailboxValue("one.test/bob/", "/vmail"), {
    kind: "found",
    mailbox: { format: "maildir", path: "/vmail/one.test/bob" },
  });
  for (
    const value of [
      "",
      "/",
      "/etc/passwd",
      "../etc/passwd",
      "one.test/../../x",
      "one.test/./x",
      "one.test//x",
      "..",
      "one.test/x\x00y",
      "one.test/x\ny",
    ]
  ) {
    assert.equal(
      resolveMailboxValue(value, "/vmail").kind,
      "unsafe",
      JSON.stringify(value),
    );
  }
});

Deno.test("virtualLookupKeys: address, without extension, catch-all", () => {
  assert.deepEqual(virtualLookupKeys("Bob+Lists@Two.Test", "+"), [
    "bob+lists@two.test",
    "bob@two.test",
    "@two.test",
  ]);
  assert.deepEqual(virtualLookupKeys("bob@two.test", ""), [
    "bob@two.test",
    "@two.test",
  ]);
});

Deno.test("isSafeDomainName", () => {
  for (const good of ["one.test", "a", "x-y.example", "_dmarc.example"]) {
    assert.equal(isSafeDomainName(good), true, good);
  }
  for (
    const bad of ["", ".", "..", "a..b", "a/b", "-a.test", "a.test/", "a b"]
  ) {
    assert.equal(isSafeDomainName(bad), false, bad);
  }
});

Deno.test("findMailbox: extension falls back to the user's entry", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir, { recipient_delimiter: "+" });
    const maps = createVirtualMaps();
    const found = await maps.findMailbox("alice+news@one.test", config);
    assert.deepEqual(found, {
      kind: "found",
      mailbox: {
        format: "mbox",
        path: join(config.virtual_mailbox_base, "one.test", "alice"),
      },
    });
  });
});

Deno.test("findMailbox: a relative virtual_mailbox_base is a configuration error", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir, { virtual_mailbox_base: "vmail" });
    await assert.rejects(
      createVirtualMaps().findMailbox("alice@one.test", config),
      VirtualConfigError,
    );
  });
});

Deno.test("findOwner: per-address, per-domain, static; minimum uid; missing", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const maps = createVirtualMaps();
    assert.deepEqual(await maps.findOwner("alice@one.test", config), {
      uid: 5000,
      gid: 5000,
    });
    assert.deepEqual(await maps.findOwner("bob@two.test", config), {
      uid: 5001,
      gid: 5000,
    });
    await assert.rejects(
      maps.findOwner("low@one.test", config),
      /uid 10 for "low@one\.test" is below virtual_minimum_uid 100/,
    );
    await assert.rejects(
      maps.findOwner("x@alias.test", config),
      /virtual_uid_maps has no number/,
    );
  });
});

Deno.test("isVirtualDomain: a domain list edit is seen without a restart", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    let now = 0;
    const maps = createVirtualMaps({ mapOptions: { clock: () => now } });
    assert.equal(await maps.isVirtualDomain("three.test", config), false);
    await Deno.writeTextFile(join(dir, "vdomains"), "three.test\n", {
      append: true,
    });
    now += 5000;
    assert.equal(await maps.isVirtualDomain("three.test", config), true);
  });
});
