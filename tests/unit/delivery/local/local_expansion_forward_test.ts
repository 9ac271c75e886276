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

async function expandWithWarnings(localPart: string, setup: Setup) {
  const { context, warnings } = expansionContext(setup);
  const result = await expandLocalRecipient(request(localPart), context);
  return { ...result, warnings };
}

function expand(localPart: string, setup: Setup) {
  return expandLocalRecipient(
    request(localPart),
    expansionContext(setup).context,
  );
}

async function assertFails(
  promise: Promise<unknown>,
  dsn: string,
  text: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DeliveryError, String(error));
    assert.equal(error.dsn, dsn);
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

const FORWARD = "/home/bob/.forward";

Deno.test(".forward: the user's own name means the mailbox, not a loop", async () => {
  const result = await expand("bob+lists", {
    files: { [FORWARD]: file("bob, \\bob, bob@example.org\n", 1002) },
  });
  assert.deepEqual(result.targets, [
    { kind: "mailbox", user: "bob", extension: "lists" },
  ]);
});

Deno.test(".forward: remote addresses are forwarded, local names expanded", async () => {
  const result = await expand("bob", {
    aliases: "helpers: carol\n",
    files: { [FORWARD]: file("bob@remote.net\nhelpers\n", 1002) },
  });
  assert.deepEqual(result.targets, [
    { kind: "forward", address: "bob@remote.net" },
    { kind: "mailbox", user: "carol", extension: "" },
  ]);
});

Deno.test(".forward: a command runs as the user", async () => {
  const result = await expand("bob", {
    files: { [FORWARD]: file('"|/usr/bin/procmail -f-"\n', 1002) },
  });
  assert.deepEqual(result.targets, [{
    kind: "command",
    command: "/usr/bin/procmail -f-",
    source: "forward",
    privileges: privilegesOf("bob"),
    recipient: "bob@example.org",
  }]);
});

Deno.test(".forward: root's commands run with default_privs", async () => {
  const result = await expand("root", {
    files: { "/root/.forward": file("/var/log/root-mail\n", 0) },
  });
  assert.deepEqual(result.targets, [{
    kind: "file",
    path: "/var/log/root-mail",
    source: "forward",
    privileges: privilegesOf("nobody"),
    recipient: "root@example.org",
  }]);
});

Deno.test(".forward: one owned by someone else, or writable by all, is ignored with a warning", async () => {
  const foreign = await expandWithWarnings("bob", {
    files: { [FORWARD]: file("mallory@evil.example\n", 1001) },
  });
  assert.deepEqual(foreign.targets, [
    { kind: "mailbox", user: "bob", extension: "" },
  ]);
  assert.deepEqual(foreign.warnings, [
    `ignoring forward file "${FORWARD}": owned by uid 1001, not by user "bob"`,
  ]);
  const open = await expandWithWarnings("bob", {
    files: { [FORWARD]: file("mallory@evil.example\n", 1002, 0o666) },
  });
  assert.deepEqual(open.targets, [
    { kind: "mailbox", user: "bob", extension: "" },
  ]);
  assert.deepEqual(open.warnings, [
    `ignoring forward file "${FORWARD}": writable by everyone`,
  ]);
  const rootOwned = await expand("bob", {
    files: { [FORWARD]: file("bob@remote.net\n", 0) },
  });
  assert.deepEqual(rootOwned.targets, [
    { kind: "forward", address: "bob@remote.net" },
  ]);
});

Deno.test(".forward: forward_path picks .forward+ext first, then .forward", async () => {
  const files = {
    "/home/bob/.forward+lists": file("lists@remote.net\n", 1002),
    [FORWARD]: file("bob@remote.net\n", 1002),
  };
  const withExtension = await expand("bob+lists", { files });
  assert.deepEqual(withExtension.targets, [
    { kind: "forward", address: "lists@remote.net" },
  ]);
  const other = await expand("bob+other", { files });
  assert.deepEqual(other.targets, [
    { kind: "forward", address: "bob@remote.net" },
  ]);
  const none = await expand("bob", { files });
  assert.deepEqual(none.targets, [
    { kind: "forward", address: "bob@remote.net" },
  ]);
});

Deno.test(".forward: an extension that would leave the home directory is not used", async () => {
  const result = await expand("bob+x/../../etc", {
    files: {
      "/home/bob/.forward+x/../../etc": file("evil@remote.net\n", 1002),
      [FORWARD]: file("bob@remote.net\n", 1002),
    },
  });
  assert.deepEqual(result.targets, [
    { kind: "forward", address: "bob@remote.net" },
  ]);
});

Deno.test(".forward: an unreadable file defers 4.3.0", async () => {
  await assertFails(
    expand("bob", {
      files: { [FORWARD]: new Deno.errors.PermissionDenied("denied") },
    }),
    "4.3.0",
    /cannot read forward file "\/home\/bob\/\.forward": denied/,
  );
});

Deno.test(".forward: two users forwarding to each other is a loop", async () => {
  await assertFails(
    expand("bob", {
      files: {
        [FORWARD]: file("alice\n", 1002),
        "/home/alice/.forward": file("bob@localhost\n", 1001),
      },
    }),
    "5.4.6",
    /^mail forwarding loop for <bob@example\.org>$/,
  );
});

Deno.test("allow_mail_to_commands and _files restrict by source (5.7.1), member by member", async () => {
  await assertRefused(
    expand("staff", {
      aliases: "staff: :include:/lists/staff\n",
      files: { "/lists/staff": file("|/bin/cat\n", 0) },
    }),
    "5.7.1",
    /^mail to command is restricted$/,
  );
  await assertRefused(
    expand("bob", {
      files: { [FORWARD]: file("/tmp/bob.mbox\n", 1002) },
      config: { allow_mail_to_files: ["alias"] },
    }),
    "5.7.1",
    /^mail to file is restricted$/,
  );
  const allowed = await expand("staff", {
    aliases: "staff: :include:/lists/staff\n",
    files: { "/lists/staff": file("|/bin/cat\n", 1003) },
    config: { allow_mail_to_commands: ["include"] },
  });
  assert.deepEqual(allowed.targets, [{
    kind: "command",
    command: "/bin/cat",
    source: "include",
    privileges: privilegesOf("carol"),
    recipient: "staff@example.org",
  }]);
});

Deno.test("privileges: alias targets run as the alias table's owner, root's as default_privs", async () => {
  const owned = await expand("log", {
    aliases: "log: /var/log/archive/\n",
    aliasOwner: { uid: 1001, gid: 1101 },
  });
  assert.deepEqual(owned.targets, [{
    kind: "file",
    path: "/var/log/archive/",
    source: "alias",
    privileges: privilegesOf("alice"),
    recipient: "log@example.org",
  }]);
  const unnamed = await expand("log", {
    aliases: "log: /var/log/archive\n",
    aliasOwner: { uid: 4242, gid: 77 },
  });
  assert.deepEqual(
    unnamed.targets[0].kind === "file" && unnamed.targets[0].privileges,
    { user: "4242", uid: 4242, gid: 77, home: "", shell: "" },
  );
  const numeric = await expand("log", {
    aliases: "log: /var/log/archive\n",
    config: { default_privs: "4000" },
  });
  assert.deepEqual(
    numeric.targets[0].kind === "file" && numeric.targets[0].privileges,
    { user: "4000", uid: 4000, gid: 4000, home: "", shell: "" },
  );
});

Deno.test("privileges: a default_privs that is missing or root defers 4.3.0", async () => {
  await assertFails(
    expand("log", {
      aliases: "log: |/bin/cat\n",
      config: { default_privs: "ghost" },
    }),
    "4.3.0",
    /^default_privs user "ghost" does not exist$/,
  );
  await assertFails(
    expand("log", {
      aliases: "log: |/bin/cat\n",
      config: { default_privs: "root" },
    }),
    "4.3.0",
    /^default_privs user "root" is root$/,
  );
  // Not needed, not looked up: plain aliases work with a bad default_privs.
  const plain = await expand("log", {
    aliases: "log: alice\n",
    config: { default_privs: "ghost" },
  });
  assert.equal(plain.targets.length, 1);
});
