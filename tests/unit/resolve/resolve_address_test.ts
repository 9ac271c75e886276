/** Tests for resolve_address.ts: the class of an address, and its canonical form. */
import assert from "node:assert/strict";
import { parsePath } from "../../../src/smtp/address.ts";
import { formatMailbox } from "../../../src/smtp/address.ts";
import {
  type DomainFacts,
  resolveAddress,
} from "../../../src/resolve/resolve_address.ts";

const config = {
  mydestination: ["example.org", "localhost"],
  myorigin: "Example.ORG",
};
const NOT_VIRTUAL: DomainFacts = { virtualMailboxDomain: false };

/** Resolves an RCPT TO path as smtpd does. */
function resolveRcpt(text: string) {
  const r = parsePath(text, { allowNull: false });
  if (!r.ok || r.path.mailbox === null) {
    throw new Error(`bad test address ${text}`);
  }
  return resolveAddress(
    {
      address: formatMailbox(r.path.mailbox),
      sourceRoute: r.path.sourceRoute,
    },
    config,
    NOT_VIRTUAL,
  );
}

const table: Array<[string, string, string, boolean]> = [
  ["<user@example.org>", "user@example.org", "local", false],
  ["<User@LOCALHOST>", "User@localhost", "local", false],
  ["<user>", "user@example.org", "local", false],
  ["<user@elsewhere.example>", "user@elsewhere.example", "remote", false],
  ["<user@sub.example.org>", "user@sub.example.org", "remote", false],
  ["<user@[127.0.0.1]>", "user@[127.0.0.1]", "remote", false],
  ["<postmaster>", "postmaster@example.org", "local", true],
  ["<PostMaster>", "PostMaster@example.org", "local", true],
  ["<postmaster@localhost>", "postmaster@localhost", "local", true],
  [
    "<postmaster@elsewhere.example>",
    "postmaster@elsewhere.example",
    "remote",
    false,
  ],
  // Relay tricks are refused, whatever the domain.
  [
    '<"victim@remote.example"@example.org>',
    '"victim@remote.example"@example.org',
    "refused",
    false,
  ],
  [
    "<victim%remote.example@example.org>",
    "victim%remote.example@example.org",
    "refused",
    false,
  ],
  [
    "<remote.example!victim@example.org>",
    "remote.example!victim@example.org",
    "refused",
    false,
  ],
  [
    "<@example.org:victim@remote.example>",
    "victim@remote.example",
    "refused",
    false,
  ],
  ["<@remote.example:user@example.org>", "user@example.org", "refused", false],
  ["<@remote.example:postmaster>", "postmaster@example.org", "refused", false],
  [
    '<"victim%remote"@example.org>',
    "victim%remote@example.org",
    "refused",
    false,
  ],
];

for (const [text, address, addressClass, postmaster] of table) {
  Deno.test(`resolveAddress: RCPT TO:${text} → ${addressClass}`, () => {
    const r = resolveRcpt(text);
    assert.deepEqual(
      { address: r.address, addressClass: r.addressClass, postmaster },
      { address, addressClass, postmaster: r.postmaster },
    );
  });
}

Deno.test("resolveAddress: every class with its transport and reason", () => {
  const resolve = (address: string, facts: DomainFacts = NOT_VIRTUAL) =>
    resolveAddress(address, config, facts);
  const local = resolve("bob@example.org");
  assert.deepEqual(local, {
    addressClass: "local",
    address: "bob@example.org",
    localPart: "bob",
    domain: "example.org",
    postmaster: false,
    transport: { name: "local", nexthop: "example.org" },
    reason: 'domain "example.org" is in mydestination',
  });
  const virtual = resolve("Alice@One.TEST", { virtualMailboxDomain: true });
  assert.equal(virtual.addressClass, "virtual");
  assert.equal(virtual.address, "Alice@one.test");
  assert.deepEqual(virtual.transport, { name: "virtual", nexthop: "one.test" });
  const relay = resolve("a@relayed.test", {
    virtualMailboxDomain: false,
    relayDomain: true,
  });
  assert.equal(relay.addressClass, "relay");
  assert.equal(relay.reason, 'domain "relayed.test" is in relay_domains');
  assert.deepEqual(relay.transport, { name: "relay", nexthop: "relayed.test" });
  const remote = resolve("a@remote.test");
  assert.equal(remote.addressClass, "remote");
  assert.equal(
    remote.reason,
    'domain "remote.test" is not a local, virtual or relay domain',
  );
  assert.deepEqual(remote.transport, { name: "smtp", nexthop: "remote.test" });
  const refused = resolve("a%remote.test@example.org");
  assert.equal(refused.addressClass, "refused");
  assert.equal(refused.transport, undefined);
  assert.equal(refused.reason, 'relay trick refused: "%" in the local part');
});

Deno.test("resolveAddress: mydestination wins over virtual and relay domains", () => {
  const both = { virtualMailboxDomain: true, relayDomain: true };
  assert.equal(
    resolveAddress("a@localhost", config, both).addressClass,
    "local",
  );
  assert.equal(
    resolveAddress("a@v.test", config, both).addressClass,
    "virtual",
  );
});

Deno.test("resolveAddress: domains fold, local parts keep case and quoting", () => {
  const r = resolveAddress('"A B"@MX.Example.ORG.', {
    ...config,
    mydestination: ["mx.example.org"],
  }, NOT_VIRTUAL);
  assert.deepEqual(
    [r.addressClass, r.address, r.localPart, r.domain],
    ["local", '"A B"@mx.example.org', "A B", "mx.example.org"],
  );
  assert.equal(
    resolveAddress("bob@sub.mx.example.org", config, NOT_VIRTUAL).addressClass,
    "remote",
  );
});

Deno.test("resolveAddress: unqualified addresses get @$myorigin, bare postmaster the first local domain", () => {
  const elsewhere = { ...config, myorigin: "Origin.Example." };
  assert.equal(
    resolveAddress("bob", elsewhere, NOT_VIRTUAL).address,
    "bob@origin.example",
  );
  assert.equal(
    resolveAddress("bob", elsewhere, NOT_VIRTUAL).addressClass,
    "remote",
  );
  assert.equal(
    resolveAddress("bob", config, NOT_VIRTUAL).addressClass,
    "local",
  );
  const postmaster = resolveAddress("postmaster", elsewhere, NOT_VIRTUAL);
  assert.deepEqual(
    [postmaster.address, postmaster.addressClass, postmaster.postmaster],
    ["postmaster@example.org", "local", true],
  );
  // A quoted local part holding "@" is still unqualified, and a trick.
  const quoted = resolveAddress('"a@b"', config, NOT_VIRTUAL);
  assert.deepEqual(
    [quoted.address, quoted.localPart, quoted.addressClass],
    ['"a@b"@example.org', "a@b", "refused"],
  );
});

Deno.test("resolveAddress: unqualified postmaster without local domains is qualified like any name", () => {
  const r = resolveAddress("postmaster", {
    mydestination: [],
    myorigin: "o.example",
  }, NOT_VIRTUAL);
  assert.deepEqual(
    [r.address, r.addressClass, r.postmaster],
    ["postmaster@o.example", "remote", false],
  );
});
