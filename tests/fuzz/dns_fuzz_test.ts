/**
 * Property tests of what mailsrv reads from DNS replies and resolv.conf
 * (src/dns/, src/net/client_name.ts): random and mutated reply packets
 * decode or throw (the resolver then ignores them); decoded records go
 * through the CNAME walk and the MX and address readers without an
 * exception; a client name taken from a PTR record is a host name or
 * `unknown` (it goes into Received:, replies and logs, so no line break
 * or space can come from a DNS server); any resolv.conf gives settings
 * within their bounds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Answer, decode, encode } from "../../src/dns/packet.ts";
import {
  type DnsLookup,
  recordsOf,
  type Resolver,
} from "../../src/dns/resolver.ts";
import { hostAddresses, mxHosts } from "../../src/dns/mx.ts";
import { parseResolvConf } from "../../src/dns/resolv_conf.ts";
import { lookupClientName } from "../../src/net/client_name.ts";
import { fuzz, fuzzAsync, mailText } from "./fuzz.ts";

const name = fc.oneof(
  fc.constantFrom(
    "example.org",
    "mx.example.org",
    "EXAMPLE.org.",
    ".",
    "",
    "7.2.0.192.in-addr.arpa",
  ),
  fc.array(fc.string({ minLength: 1, maxLength: 10 }), {
    minLength: 1,
    maxLength: 4,
  }).map((l) => l.join(".")),
);

const answer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ type: fc.constant("A" as const), name, data: fc.ipV4() }),
  fc.record({ type: fc.constant("AAAA" as const), name, data: fc.ipV6() }),
  fc.record({ type: fc.constant("CNAME" as const), name, data: name }),
  fc.record({ type: fc.constant("PTR" as const), name, data: name }),
  fc.record({
    type: fc.constant("MX" as const),
    name,
    data: fc.record({ preference: fc.nat(65535), exchange: name }),
  }),
) as fc.Arbitrary<Answer>;

/** A reply as a server would send it, then bytes changed or cut. */
const replyBytes = fc.tuple(
  fc.array(answer, { maxLength: 5 }),
  fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
  fc.nat(),
).map(([answers, edits, cutAt]) => {
  let bytes: Uint8Array;
  try {
    bytes = encode({
      type: "response",
      id: 7,
      flags: 0,
      questions: [{ type: "MX", name: "example.org", class: "IN" }],
      answers,
    });
  } catch {
    bytes = new Uint8Array(12);
  }
  const copy = Uint8Array.from(bytes);
  for (const [at, value] of edits) copy[at % copy.length] = value;
  return edits.length > 0 && cutAt % 3 === 0
    ? copy.subarray(0, cutAt % (copy.length + 1))
    : copy;
});

/** A resolver that answers every question from `answers`. */
function fakeResolver(answers: readonly Answer[]): Resolver {
  return {
    lookup(n, type): Promise<DnsLookup> {
      const found = recordsOf(answers, n, type);
      return Promise.resolve(
        found.records.length > 0
          ? { status: "found", ...found }
          : { status: "nodata" },
      );
    },
  };
}

Deno.test("fuzz: DNS replies decode or are refused; their records are read safely", async () => {
  await fuzzAsync(
    "dns replies",
    fc.asyncProperty(
      fc.oneof(replyBytes, fc.uint8Array({ maxLength: 200 })),
      async (bytes) => {
        let answers: Answer[];
        try {
          answers = decode(bytes).answers ?? [];
        } catch {
          return; // the resolver ignores an answer it cannot decode
        }
        const resolver = fakeResolver(answers);
        for (const a of answers) {
          recordsOf(answers, String(a.name), "A");
          recordsOf(answers, String(a.name), "CNAME");
        }
        const mx = await mxHosts(resolver, "example.org", () => 0.5);
        if (mx.status === "found") {
          for (const h of mx.hosts) assert.equal(typeof h.name, "string");
        }
        await hostAddresses(resolver, "mx.example.org");
      },
    ),
    { seed: 0xd45, numRuns: 500 },
  );
});

// Postfix's valid_hostname(): letters, digits, `-`, `_`, dots.
const HOST_NAME =
  /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

Deno.test("fuzz: a client name from a PTR record is a host name or unknown", async () => {
  const ptrData = fc.oneof(
    name,
    mailText("\r\n <>[]:;@\0.", 40),
    fc.constantFrom(
      "a\r\nX-Evil: 1",
      "evil.example\n",
      "a b.example",
      "x".repeat(300),
    ),
  );
  await fuzzAsync(
    "dns client name",
    fc.asyncProperty(ptrData, fc.boolean(), async (ptr, confirm) => {
      const answers: Answer[] = [
        { type: "PTR", name: "7.2.0.192.in-addr.arpa", data: ptr },
        ...(confirm
          ? [{
            type: "A" as const,
            name: ptr.replace(/\.$/, "").toLowerCase(),
            data: "192.0.2.7",
          }]
          : []),
      ];
      const names = await lookupClientName(
        "192.0.2.7",
        fakeResolver(answers),
        1000,
      );
      for (const n of [names.name, names.reverseName]) {
        assert.ok(
          n === "unknown" || (HOST_NAME.test(n) && n.length <= 255),
          JSON.stringify(n),
        );
      }
    }),
    { seed: 0xd46, numRuns: 500 },
  );
});

Deno.test("regression: a PTR name with a line break is no client name", async () => {
  const evil = "a\r\nX-Evil: 1.example";
  const names = await lookupClientName(
    "192.0.2.7",
    fakeResolver([
      { type: "PTR", name: "7.2.0.192.in-addr.arpa", data: evil },
      { type: "A", name: evil.toLowerCase(), data: "192.0.2.7" },
    ]),
    1000,
  );
  assert.equal(names.name, "unknown");
  assert.equal(names.reverseName, "unknown");
});

Deno.test("fuzz: any resolv.conf gives bounded settings", () => {
  const line = fc.oneof(
    fc.tuple(
      fc.constantFrom(
        "nameserver",
        "options",
        "search",
        "domain",
        "#",
        "nameserver\t",
      ),
      fc.constantFrom(
        "192.0.2.1",
        "[::1]:5353",
        "127.0.0.1:99999",
        "fe80::1%eth0",
        "timeout:0",
        "timeout:999999999999",
        "attempts:x",
        "rotate",
        "ndots:2",
        "",
      ),
    ).map(([a, b]) => `${a} ${b}`),
    mailText(" :#;[]%\t", 60),
  );
  fuzz(
    "resolv.conf",
    fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
      const conf = parseResolvConf(lines.join("\n"));
      assert.ok(conf.servers.length >= 1 && conf.servers.length <= 3);
      for (const s of conf.servers) assert.ok(s.port >= 1 && s.port <= 65535);
      assert.ok(conf.timeout >= 1000 && conf.timeout <= 30000);
      assert.ok(conf.attempts >= 1 && conf.attempts <= 5);
    }),
    { seed: 0xd47, numRuns: 1000 },
  );
});
