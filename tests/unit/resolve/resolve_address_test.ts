import assert from "node:assert/strict";
import { parsePath } from "../../../src/smtp/address.ts";
import {
  resolveRecipient,
  resolveSender,
} from "../../../src/resolve/resolve_address.ts";

const policy = {
  mydestination: ["example.org", "localhost"],
  myorigin: "Example.ORG",
};

function resolve(text: string) {
  const r = parsePath(text, { allowNull: false });
  if (!r.ok || r.path.mailbox === null) {
    throw new Error(`bad test address ${text}`);
  }
  return resolveRecipient({ ...r.path, mailbox: r.path.mailbox }, policy);
}

const table: Array<[string, string, string]> = [
  ["<user@example.org>", "user@example.org", "local"],
  ["<User@LOCALHOST>", "User@localhost", "local"],
  ["<user>", "user@example.org", "local"],
  ["<user@elsewhere.example>", "user@elsewhere.example", "remote"],
  ["<user@sub.example.org>", "user@sub.example.org", "remote"],
  ["<user@[127.0.0.1]>", "user@[127.0.0.1]", "remote"],
  ["<postmaster>", "postmaster@example.org", "postmaster"],
  ["<PostMaster>", "PostMaster@example.org", "postmaster"],
  ["<postmaster@localhost>", "postmaster@localhost", "postmaster"],
  ["<postmaster@elsewhere.example>", "postmaster@elsewhere.example", "remote"],
  // Relay tricks are never local, whatever the domain.
  [
    '<"victim@remote.example"@example.org>',
    '"victim@remote.example"@example.org',
    "remote",
  ],
  [
    "<victim%remote.example@example.org>",
    "victim%remote.example@example.org",
    "remote",
  ],
  [
    "<remote.example!victim@example.org>",
    "remote.example!victim@example.org",
    "remote",
  ],
  ["<@example.org:victim@remote.example>", "victim@remote.example", "remote"],
  ["<@remote.example:user@example.org>", "user@example.org", "remote"],
  ["<@remote.example:postmaster>", "postmaster@example.org", "remote"],
  ['<"victim%remote"@example.org>', "victim%remote@example.org", "remote"],
];

for (const [text, address, addressClass] of table) {
  Deno.test(`resolveRecipient ${text} → ${addressClass}`, () => {
    const r = resolve(text);
    assert.deepEqual({ address: r.address, addressClass: r.addressClass }, {
      address,
      addressClass,
    });
    // Only a trick-free remote address may be looked up as a virtual one.
    const trick = /[%!]|^<@|^<"/.test(text);
    assert.equal(r.plain, addressClass === "remote" ? !trick : undefined);
  });
}

Deno.test("unqualified postmaster without local domains is qualified like any name", () => {
  const r = parsePath("<postmaster>", { allowNull: false });
  assert.ok(r.ok && r.path.mailbox);
  assert.deepEqual(
    resolveRecipient({ ...r.path, mailbox: r.path.mailbox! }, {
      mydestination: [],
      myorigin: "o.example",
    }),
    { address: "postmaster@o.example", addressClass: "remote", plain: true },
  );
});

Deno.test("resolveSender qualifies unqualified senders and keeps the null sender", () => {
  assert.equal(resolveSender(null, policy), "");
  assert.equal(
    resolveSender({ localPart: "joe", domain: "" }, policy),
    "joe@example.org",
  );
  assert.equal(
    resolveSender({ localPart: "a b", domain: "x.example" }, policy),
    '"a b"@x.example',
  );
});
