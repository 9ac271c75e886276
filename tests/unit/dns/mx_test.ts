/**
 * MX hosts (`src/dns/mx.ts`) from a resolver given as a table: order,
 * ties, null MX, the implicit MX, failures, addresses and self-trimming.
 */
import assert from "node:assert/strict";
import type { Answer } from "../../../src/dns/packet.ts";
import type { DnsLookup, Resolver } from "../../../src/dns/resolver.ts";
import {
  hostAddresses,
  type MxHost,
  mxHosts,
  orderByPreference,
  trimSelf,
} from "../../../src/dns/mx.ts";

function tableResolver(table: Record<string, DnsLookup>): Resolver {
  return {
    lookup: (name, type) =>
      Promise.resolve(table[`${type} ${name}`] ?? { status: "nodata" }),
  };
}

function mx(name: string, ...hosts: [number, string][]): DnsLookup {
  return {
    status: "found",
    name,
    records: hosts.map(([preference, exchange]): Answer => ({
      type: "MX",
      name,
      data: { preference, exchange },
    })),
  };
}

function a(name: string, ...addresses: string[]): DnsLookup {
  return {
    status: "found",
    name,
    records: addresses.map((data): Answer => ({
      type: addresses[0].includes(":") ? "AAAA" : "A",
      name,
      data,
    })),
  };
}

Deno.test("MX hosts come in preference order, names folded", async () => {
  const resolver = tableResolver({
    "MX example.test": mx("example.test", [20, "B.example.test."], [
      10,
      "a.example.test",
    ]),
  });
  assert.deepEqual(await mxHosts(resolver, "example.test"), {
    status: "found",
    implicit: false,
    hosts: [
      { name: "a.example.test", preference: 10 },
      { name: "b.example.test", preference: 20 },
    ],
  });
});

Deno.test("equal preferences are shuffled, unequal never", () => {
  const hosts: MxHost[] = [
    { name: "x", preference: 10 },
    { name: "y", preference: 10 },
    { name: "z", preference: 5 },
  ];
  const draws = [0.9, 0.1, 0.5];
  let i = 0;
  assert.deepEqual(
    orderByPreference(hosts, () => draws[i++]).map((h) => h.name),
    ["z", "y", "x"],
  );
  const seen = new Set<string>();
  for (let n = 0; n < 50; n++) {
    seen.add(orderByPreference(hosts).map((h) => h.name).join());
  }
  assert.deepEqual([...seen].sort(), ["z,x,y", "z,y,x"]);
});

Deno.test("a null MX (RFC 7505) says the domain takes no mail", async () => {
  const resolver = tableResolver({
    "MX nomail.test": mx("nomail.test", [0, "."]),
  });
  assert.deepEqual(await mxHosts(resolver, "nomail.test"), {
    status: "nullmx",
  });
});

Deno.test("no MX: the domain is its own host; NXDOMAIN and failures pass through", async () => {
  const resolver = tableResolver({
    "MX gone.test": { status: "nxdomain" },
    "MX broken.test": { status: "tempfail", reason: "SERVFAIL" },
  });
  assert.deepEqual(await mxHosts(resolver, "Plain.test."), {
    status: "found",
    implicit: true,
    hosts: [{ name: "plain.test", preference: 0 }],
  });
  assert.deepEqual(await mxHosts(resolver, "gone.test"), {
    status: "nxdomain",
  });
  assert.deepEqual(await mxHosts(resolver, "broken.test"), {
    status: "tempfail",
    reason: "SERVFAIL",
  });
});

Deno.test("addresses by inet_protocols; a failure of one family is temporary only without any address", async () => {
  const resolver = tableResolver({
    "A both.test": a("both.test", "192.0.2.1"),
    "AAAA both.test": a("both.test", "2001:db8::1"),
    "A half.test": a("half.test", "192.0.2.2"),
    "AAAA half.test": { status: "tempfail", reason: "timeout" },
    "A v6only.test": { status: "tempfail", reason: "timeout" },
    "A gone.test": { status: "nxdomain" },
    "AAAA gone.test": { status: "nxdomain" },
  });
  assert.deepEqual(await hostAddresses(resolver, "both.test"), {
    status: "found",
    addresses: ["192.0.2.1", "2001:db8::1"],
  });
  assert.deepEqual(await hostAddresses(resolver, "both.test", "ipv6"), {
    status: "found",
    addresses: ["2001:db8::1"],
  });
  assert.deepEqual(await hostAddresses(resolver, "half.test"), {
    status: "found",
    addresses: ["192.0.2.2"],
  });
  assert.deepEqual(await hostAddresses(resolver, "v6only.test"), {
    status: "tempfail",
    reason: "timeout",
  });
  assert.deepEqual(await hostAddresses(resolver, "gone.test"), {
    status: "nxdomain",
  });
  assert.deepEqual(await hostAddresses(resolver, "none.test"), {
    status: "nodata",
  });
});

Deno.test("hosts no better than this one are dropped; empty when this host is the best", () => {
  const hosts: MxHost[] = [
    { name: "primary", preference: 10 },
    { name: "me", preference: 20 },
    { name: "tertiary", preference: 30 },
  ];
  const isMe = (h: MxHost) => h.name === "me";
  assert.deepEqual(trimSelf(hosts, isMe).map((h) => h.name), ["primary"]);
  assert.deepEqual(trimSelf(hosts.slice(1), isMe), []);
  assert.deepEqual(trimSelf(hosts, () => false), hosts);
});
