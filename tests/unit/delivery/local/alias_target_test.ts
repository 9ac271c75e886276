import assert from "node:assert/strict";
import { classifyAliasTarget } from "../../../../src/delivery/local/alias_target.ts";

Deno.test("alias target: commands, with quotes stripped", () => {
  assert.deepEqual(classifyAliasTarget("|/usr/bin/procmail"), {
    kind: "command",
    command: "/usr/bin/procmail",
  });
  assert.deepEqual(classifyAliasTarget('"|/bin/filter -a x, y"'), {
    kind: "command",
    command: "/bin/filter -a x, y",
  });
  assert.equal(classifyAliasTarget("|").kind, "invalid");
});

Deno.test("alias target: :include: needs an absolute path", () => {
  assert.deepEqual(classifyAliasTarget(":include:/etc/mail/staff"), {
    kind: "include",
    path: "/etc/mail/staff",
  });
  assert.deepEqual(classifyAliasTarget(":INCLUDE: /etc/x"), {
    kind: "include",
    path: "/etc/x",
  });
  assert.deepEqual(classifyAliasTarget(":include:staff"), {
    kind: "invalid",
    reason: ':include: path "staff" is not absolute',
  });
});

Deno.test("alias target: files and Maildirs", () => {
  assert.deepEqual(classifyAliasTarget("/var/log/mail.archive"), {
    kind: "file",
    path: "/var/log/mail.archive",
  });
  assert.deepEqual(classifyAliasTarget('"/home/a/My Mail/"'), {
    kind: "file",
    path: "/home/a/My Mail/",
  });
});

Deno.test("alias target: \\name is a mailbox, not expanded further", () => {
  assert.deepEqual(classifyAliasTarget("\\Bob"), {
    kind: "mailbox",
    user: "bob",
  });
  assert.equal(classifyAliasTarget("\\").kind, "invalid");
});

Deno.test("alias target: anything else is an address", () => {
  assert.deepEqual(classifyAliasTarget("alice"), {
    kind: "address",
    address: "alice",
  });
  assert.deepEqual(classifyAliasTarget("<carol@example.com>"), {
    kind: "address",
    address: "carol@example.com",
  });
  assert.deepEqual(classifyAliasTarget('"john doe"@example.com'), {
    kind: "address",
    address: '"john doe"@example.com',
  });
  assert.equal(classifyAliasTarget("<>").kind, "invalid");
});
