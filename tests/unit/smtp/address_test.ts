import assert from "node:assert/strict";
import {
  formatMailbox,
  isDotString,
  parsePath,
} from "../../../src/smtp/address.ts";

interface Good {
  text: string;
  localPart: string;
  domain: string;
  parameters?: string;
  sourceRoute?: boolean;
  external?: string;
}

const good: Good[] = [
  { text: "<user@example.org>", localPart: "user", domain: "example.org" },
  {
    text: "<User.Name@EXAMPLE.Org>",
    localPart: "User.Name",
    domain: "example.org",
  },
  { text: " <a@b.c>", localPart: "a", domain: "b.c" },
  { text: "user@example.org", localPart: "user", domain: "example.org" },
  {
    text: "user@example.org SIZE=10",
    localPart: "user",
    domain: "example.org",
    parameters: "SIZE=10",
  },
  {
    text: "<a@b>  SIZE=10  BODY=8BITMIME",
    localPart: "a",
    domain: "b",
    parameters: "SIZE=10  BODY=8BITMIME",
  },
  { text: "<user>", localPart: "user", domain: "" },
  { text: "<Postmaster>", localPart: "Postmaster", domain: "" },
  { text: "<a+tag@x.example>", localPart: "a+tag", domain: "x.example" },
  {
    text: "<!#$%&'*+-/=?^_`{|}~@x>",
    localPart: "!#$%&'*+-/=?^_`{|}~",
    domain: "x",
  },
  { text: '<"joe"@x>', localPart: "joe", domain: "x", external: "joe@x" },
  { text: '<"a b"@x>', localPart: "a b", domain: "x", external: '"a b"@x' },
  {
    text: '<"a\\"b\\\\c"@x>',
    localPart: 'a"b\\c',
    domain: "x",
    external: '"a\\"b\\\\c"@x',
  },
  {
    text: '<"v@remote.example"@localhost>',
    localPart: "v@remote.example",
    domain: "localhost",
  },
  {
    text: '<"a>b"@x> SIZE=1',
    localPart: "a>b",
    domain: "x",
    parameters: "SIZE=1",
  },
  { text: "<u@[192.0.2.1]>", localPart: "u", domain: "[192.0.2.1]" },
  {
    text: "<u@[IPv6:2001:DB8::1]>",
    localPart: "u",
    domain: "[IPv6:2001:db8::1]",
  },
  { text: "<u@[ipv6:::1]>", localPart: "u", domain: "[IPv6:::1]" },
  {
    text: "<@relay.example:u@x>",
    localPart: "u",
    domain: "x",
    sourceRoute: true,
  },
  {
    text: "<@a.example,@b.example:u@x>",
    localPart: "u",
    domain: "x",
    sourceRoute: true,
  },
  { text: "<u@a-b.c-d.example>", localPart: "u", domain: "a-b.c-d.example" },
  { text: "<u%remote@x>", localPart: "u%remote", domain: "x" },
  { text: "<remote!u@x>", localPart: "remote!u", domain: "x" },
];

for (const g of good) {
  Deno.test(`parsePath accepts ${g.text}`, () => {
    const r = parsePath(g.text, { allowNull: false });
    assert.ok(r.ok, r.ok ? "" : r.reason);
    assert.deepEqual(r.path.mailbox, {
      localPart: g.localPart,
      domain: g.domain,
    });
    assert.equal(r.path.sourceRoute, g.sourceRoute ?? false);
    assert.equal(r.parameters, g.parameters ?? "");
    if (g.external) assert.equal(formatMailbox(r.path.mailbox!), g.external);
  });
}

const bad: Array<[string, RegExp]> = [
  ["<user@example.org", /missing ">"/],
  ["<>", /null path not allowed/],
  ["", /empty path/],
  ["<a@b>x", /unexpected/],
  ["<a b@c>", /bad local part/],
  ["<a..b@c>", /bad local part/],
  ["<.a@c>", /bad local part/],
  ["<a.@c>", /bad local part/],
  ["<a@b@c>", /bad domain/],
  ["<@x>", /source route without ":"/],
  ["<@:a@b>", /bad source route hop/],
  ["<@x,y:a@b>", /bad source route hop/],
  ["<a@>", /bad domain/],
  ["<a@-x.example>", /bad domain/],
  ["<a@x-.example>", /bad domain/],
  ["<a@x..example>", /bad domain/],
  ["<a@example.org.>", /bad domain/],
  ["<a@exa_mple.org>", /bad domain/],
  ["<a@[300.1.1.1]>", /bad address literal/],
  ["<a@[1.2.3]>", /bad address literal/],
  ["<a@[IPv6:1.2.3.4]>", /bad address literal/],
  ["<a@[IPv6:zz::1]>", /bad address literal/],
  ["<a@[x-tag:stuff]>", /bad address literal/],
  ["<a@[192.0.2.1>", /bad address literal/],
  ['<"a@b>', /missing ">"|unterminated/],
  ['<"a\u0001"@b>', /bad character in quoted local part/],
  ['<""@b>', /empty local part/],
  ['<"a"b@c>', /unexpected "b@c" after the local part/],
  ["<üser@example.org>", /bad local part/],
  ["<user@exämple.org>", /bad domain/],
  [`<${"a".repeat(65)}@x>`, /local part longer than 64/],
  [
    `<a@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${
      "e".repeat(63)
    }.xx>`,
    /domain longer than 255|path longer/,
  ],
  [
    `<${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}>`,
    /path longer than 256/,
  ],
];

for (const [text, reason] of bad) {
  Deno.test(`parsePath refuses ${JSON.stringify(text.slice(0, 40))}`, () => {
    const r = parsePath(text, { allowNull: false });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, reason);
  });
}

Deno.test("the null path is accepted where allowed, with parameters after it", () => {
  const r = parsePath("<> BODY=8BITMIME", { allowNull: true });
  assert.ok(r.ok);
  assert.equal(r.path.mailbox, null);
  assert.equal(r.parameters, "BODY=8BITMIME");
});

Deno.test("a local part of exactly 64 octets and a path of exactly 256 pass", () => {
  const path = `<${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${
    "d".repeat(61)
  }>`;
  assert.equal(path.length, 256);
  assert.ok(parsePath(path, { allowNull: false }).ok);
  const longer = path.replace("@", "@e");
  assert.match(
    (parsePath(longer, { allowNull: false }) as { reason: string }).reason,
    /path longer/,
  );
});

Deno.test("formatMailbox quotes only what needs quoting and leaves unqualified names bare", () => {
  assert.equal(formatMailbox({ localPart: "a.b", domain: "x" }), "a.b@x");
  assert.equal(formatMailbox({ localPart: "a..b", domain: "x" }), '"a..b"@x');
  assert.equal(
    formatMailbox({ localPart: "postmaster", domain: "" }),
    "postmaster",
  );
  assert.equal(isDotString("a b"), false);
  assert.equal(isDotString("o'neil"), true);
});
