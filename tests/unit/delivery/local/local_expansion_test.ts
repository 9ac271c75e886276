import assert from "node:assert/strict";
import { expandLocalRecipient } from "../../../../src/delivery/local/local_expansion.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import {
  expansionContext,
  file,
  privilegesOf,
  request,
  type Setup,
} from "./local_expansion_fixture.ts";

function expand(localPart: string, setup: Setup = {}) {
  return expandLocalRecipient(
    request(localPart),
    expansionContext(setup).context,
  );
}

/** Asserts that expansion fails with `dsn`, a message matching `text`. */
async function assertFails(
  promise: Promise<unknown>,
  dsn: string,
  text: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DeliveryError, String(error));
    assert.equal(error.dsn, dsn);
    assert.equal(error.temporary, dsn.startsWith("4"));
    assert.match(error.message, text);
    return true;
  });
}

/** The expansion holds one refused member, with `dsn` and `text`. */
async function assertRefused(
  promise: Promise<{ targets: readonly unknown[] }>,
  dsn: string,
  text: RegExp,
): Promise<void> {
  const { targets } = await promise;
  const refused = targets.filter((t) =>
    (t as { kind: string }).kind === "refused"
  ) as { error: DeliveryError }[];
  assert.equal(refused.length, 1, JSON.stringify(targets));
  assert.equal(refused[0].error.dsn, dsn);
  assert.match(refused[0].error.message, text);
}

Deno.test("expansion: a user without alias or .forward gets the mailbox, extension kept", async () => {
  assert.deepEqual(await expand("Alice+News"), {
    targets: [{ kind: "mailbox", user: "alice", extension: "news" }],
    sender: undefined,
  });
});

Deno.test("expansion: an unknown user bounces 5.1.1, unless every local part is valid", async () => {
  await assertFails(expand("nosuch"), "5.1.1", /^unknown user: "nosuch"$/);
  const open = await expand("nosuch", { config: { local_recipient_maps: [] } });
  assert.deepEqual(open.targets, [
    { kind: "mailbox", user: "nosuch", extension: "" },
  ]);
  const postmaster = await expand("postmaster");
  assert.deepEqual(postmaster.targets, [
    { kind: "mailbox", user: "postmaster", extension: "" },
  ]);
});

Deno.test("expansion: aliases recurse through local names and addresses in local domains", async () => {
  const result = await expand("root", {
    aliases: "root: admins\nadmins: alice, bob@EXAMPLE.org, carol@remote.net\n",
  });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    { kind: "mailbox", user: "bob", extension: "" },
    { kind: "forward", address: "carol@remote.net" },
  ]);
});

Deno.test("expansion: a loop a → b → a bounces 5.4.6", async () => {
  await assertFails(
    expand("a", { aliases: "a: b\nb: x@localhost, a\nx: alice\n" }),
    "5.4.6",
    /^mail forwarding loop for <a@example\.org>$/,
  );
});

Deno.test("expansion: more than 100 levels bounce 5.4.6", async () => {
  const chain = Array.from({ length: 101 }, (_, i) => `l${i}: l${i + 1}`);
  await assertFails(
    expand("l0", { aliases: chain.join("\n") + "\nl101: alice\n" }),
    "5.4.6",
    /deeper than 100 levels/,
  );
  // l2 … l101: 100 levels are fine.
  const ok = await expand("l2", {
    aliases: chain.join("\n") + "\nl101: alice\n",
  });
  assert.deepEqual(ok.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
  ]);
});

Deno.test("expansion: an alias that names itself means that user, not a loop", async () => {
  const result = await expand("bob", {
    aliases: "bob: bob, bob@elsewhere.net\n",
  });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "bob", extension: "" },
    { kind: "forward", address: "bob@elsewhere.net" },
  ]);
});

Deno.test("expansion: the same target reached twice is delivered once", async () => {
  const result = await expand("all", {
    aliases: "all: alice, team, alice@example.org, |/bin/log, |/bin/log\n" +
      "team: ALICE, bob, x@remote.net, X@remote.net\n",
  });
  assert.deepEqual(result.targets.map((t) => t.kind), [
    "mailbox",
    "mailbox",
    "forward",
    "command",
  ]);
});

Deno.test("expansion: user+ext is looked up before user", async () => {
  const setup: Setup = {
    aliases: "alice+spam: /dev/null\nalice: \\alice, alice@remote.net\n",
  };
  const spam = await expand("alice+spam", setup);
  assert.deepEqual(spam.targets, [{
    kind: "file",
    path: "/dev/null",
    source: "alias",
    privileges: privilegesOf("nobody"),
    recipient: "alice+spam@example.org",
  }]);
  const other = await expand("alice+news", setup);
  assert.deepEqual(other.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    { kind: "forward", address: "alice@remote.net" },
  ]);
});

Deno.test("expansion: \\user is the mailbox, without alias or .forward", async () => {
  const result = await expand("alice", {
    aliases: "alice: \\alice, |/usr/bin/vacation alice\n",
    files: { "/home/alice/.forward": file("carol@remote.net\n", 1001) },
  });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    {
      kind: "command",
      command: "/usr/bin/vacation alice",
      source: "alias",
      privileges: privilegesOf("nobody"),
      recipient: "alice@example.org",
    },
  ]);
});

Deno.test("expansion: owner-NAME becomes the sender of list NAME", async () => {
  const aliases = "list: alice, bob\nowner-list: carol@remote.net\n";
  const result = await expand("list", { aliases });
  assert.equal(result.sender, "owner-list@example.org");
  assert.equal(result.targets.length, 2);
  const expanded = await expand("list", {
    aliases,
    config: { expand_owner_alias: true },
  });
  assert.equal(expanded.sender, "carol@remote.net");
  const off = await expand("list", {
    aliases,
    config: { owner_request_special: false },
  });
  assert.equal(off.sender, undefined);
  const plain = await expand("list", { aliases: "list: alice\n" });
  assert.equal(plain.sender, undefined);
  // owner-bob exists but bob is no alias: no owner for bob's mail.
  const user = await expand("bob", { aliases: "owner-bob: carol\n" });
  assert.equal(user.sender, undefined);
});

Deno.test("expansion: an include file lists members, one per line or comma-separated", async () => {
  const result = await expand("staff", {
    aliases: "staff: :include:/etc/mail/staff\n",
    files: {
      "/etc/mail/staff": file("# the staff\nalice\nbob, carol\n", 0),
    },
  });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    { kind: "mailbox", user: "bob", extension: "" },
    { kind: "mailbox", user: "carol", extension: "" },
  ]);
});

Deno.test("expansion: includes nest; an include reached again is a loop", async () => {
  const nested = await expand("staff", {
    aliases: "staff: :include:/lists/a\n",
    files: {
      "/lists/a": file("alice\n:include:/lists/b\n", 0),
      "/lists/b": file("bob@remote.net\nalice\n", 0),
    },
  });
  assert.deepEqual(nested.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    { kind: "forward", address: "bob@remote.net" },
  ]);
  await assertFails(
    expand("staff", {
      aliases: "staff: :include:/lists/a\n",
      files: {
        "/lists/a": file(":include:/lists/b\n", 0),
        "/lists/b": file(":include:/lists/a\n", 0),
      },
    }),
    "5.4.6",
    /^mail forwarding loop for ":include:\/lists\/a"$/,
  );
});

Deno.test("expansion: a missing or unreadable include file defers 4.3.0", async () => {
  await assertFails(
    expand("staff", { aliases: "staff: :include:/lists/none\n" }),
    "4.3.0",
    /cannot read include file "\/lists\/none"/,
  );
  await assertFails(
    expand("staff", {
      aliases: "staff: :include:/lists/locked\n",
      files: { "/lists/locked": new Deno.errors.PermissionDenied("denied") },
    }),
    "4.3.0",
    /cannot read include file "\/lists\/locked": denied/,
  );
});

Deno.test("expansion: an unreadable alias table defers 4.3.0", async () => {
  await assertFails(
    expand("alice", { brokenAliases: true }),
    "4.3.0",
    /cannot read lookup table "hash:\/etc\/aliases"/,
  );
});

Deno.test("expansion: a list member that is no user is forwarded, not a failure of the list", async () => {
  const result = await expand("list", { aliases: "list: alice, ghost\n" });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "alice", extension: "" },
    { kind: "forward", address: "ghost@example.org" },
  ]);
});

Deno.test("expansion: a bad member is refused 5.3.5 on its own", async () => {
  await assertRefused(
    expand("x", { aliases: "x: :include:relative\n" }),
    "5.3.5",
    /mail system configuration error: :include: path "relative"/,
  );
});
