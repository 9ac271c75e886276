/** Tests for routing_lookups.ts: relay_domains, transport_maps, sender relayhosts. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createMapCache, LookupTableError } from "../../../src/maps/mod.ts";
import { createDomainLists } from "../../../src/resolve/domain_list.ts";
import {
  createRoutingLookups,
  senderRelayhostKeys,
} from "../../../src/resolve/routing_lookups.ts";
import { withTempDir } from "../delivery/test_message.ts";

const EMPTY = {
  relay_domains: [],
  transport_maps: [],
  sender_dependent_relayhost_maps: [],
  recipient_delimiter: "+",
};

/** Lookups whose tables record every key they are asked. */
function recordingLookups() {
  const tables = createMapCache();
  const asked: string[] = [];
  const recording = {
    open(spec: string) {
      const table = tables.open(spec);
      return {
        spec,
        lookup(key: string) {
          asked.push(`${spec.slice(0, spec.indexOf(":"))} ${key}`);
          return table.lookup(key);
        },
      };
    },
  };
  return {
    asked,
    lookups: createRoutingLookups(recording, createDomainLists(recording)),
  };
}

Deno.test("isRelayDomain: names and tables match the domain and its subdomains", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "relay_domains"), "table.test OK\n");
    const { lookups } = recordingLookups();
    const config = {
      ...EMPTY,
      relay_domains: ["name.test", `hash:${dir}/relay_domains`],
    };
    for (
      const domain of [
        "name.test",
        "mx.name.test",
        "table.test",
        "a.b.table.test",
      ]
    ) {
      assert.equal(await lookups.isRelayDomain(domain, config), true, domain);
    }
    assert.equal(await lookups.isRelayDomain("other.test", config), false);
    assert.equal(await lookups.isRelayDomain("name.test", EMPTY), false);
  });
});

Deno.test("transportEntry: keys in transport(5) order, each in every table first", async () => {
  const { asked, lookups } = recordingLookups();
  const config = {
    ...EMPTY,
    transport_maps: ["inline:{ x=y }", "static:smtp:[gw.example]"],
  };
  assert.deepEqual(
    await lookups.transportEntry("Bob+Ext", "mx.example.com", config),
    { key: "bob+ext@mx.example.com", value: "smtp:[gw.example]" },
  );
  assert.deepEqual(asked, [
    "inline bob+ext@mx.example.com",
    "static bob+ext@mx.example.com",
  ]);
});

Deno.test("transportEntry: address, address without extension, domain, .parent, * — the most specific wins", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "transport");
    const write = (lines: string[]) =>
      Deno.writeTextFile(file, lines.join("\n") + "\n");
    let now = 0;
    const tables = createMapCache({ clock: () => now });
    const lookups = createRoutingLookups(tables, createDomainLists(tables));
    const config = { ...EMPTY, transport_maps: [`hash:${file}`] };
    const entry = (local: string, domain: string) =>
      lookups.transportEntry(local, domain, config);
    const lines = [
      "bob+ext@mx.example.com  error:5.1.1 full address",
      "bob@mx.example.com      error:5.1.1 without extension",
      "mx.example.com          smtp:[domain]",
      ".example.com            smtp:[parent]",
      "*                       smtp:[wildcard]",
    ];
    const expected = [
      ["bob+ext@mx.example.com", "error:5.1.1 full address"],
      ["bob@mx.example.com", "error:5.1.1 without extension"],
      ["mx.example.com", "smtp:[domain]"],
      [".example.com", "smtp:[parent]"],
      ["*", "smtp:[wildcard]"],
    ];
    for (let at = 0; at < lines.length; at++) {
      await write(lines.slice(at));
      now += 5000;
      const [key, value] = expected[at];
      assert.deepEqual(await entry("bob+ext", "mx.example.com"), {
        key,
        value,
      });
    }
    await write([".example.com  smtp:[parent]"]);
    now += 5000;
    assert.equal(await entry("bob", "example.com"), undefined);
    assert.equal(await entry("bob", "other.test"), undefined);
    assert.deepEqual(await entry("a", "deep.mx.example.com"), {
      key: ".example.com",
      value: "smtp:[parent]",
    });
  });
});

Deno.test("transportEntry: no table, no lookup; an unreadable table throws", async () => {
  const { asked, lookups } = recordingLookups();
  assert.equal(
    await lookups.transportEntry("a", "example.com", EMPTY),
    undefined,
  );
  assert.deepEqual(asked, []);
  await assert.rejects(
    () =>
      lookups.transportEntry("a", "example.com", {
        ...EMPTY,
        transport_maps: ["hash:/nonexistent/mailsrv-test/transport"],
      }),
    LookupTableError,
  );
});

Deno.test("senderRelayhostKeys: the address, without extension, @domain; <> for the null sender", () => {
  assert.deepEqual(senderRelayhostKeys("Alice+Work@Example.COM", "+"), [
    "alice+work@example.com",
    "alice@example.com",
    "@example.com",
  ]);
  assert.deepEqual(senderRelayhostKeys("alice@example.com", "+"), [
    "alice@example.com",
    "@example.com",
  ]);
  assert.deepEqual(senderRelayhostKeys("", "+"), ["<>"]);
});

Deno.test("senderRelayhost: first entry wins; DUNNO keeps relayhost", async () => {
  const { lookups } = recordingLookups();
  const config = {
    ...EMPTY,
    sender_dependent_relayhost_maps: [
      "inline:{ alice@example.com=[alice.isp]:587, @example.com=[example.isp], " +
      "bob@example.com=DUNNO, <>=[bounces.isp] }",
    ],
  };
  const relayhost = (sender: string) => lookups.senderRelayhost(sender, config);
  assert.equal(await relayhost("alice@example.com"), "[alice.isp]:587");
  assert.equal(await relayhost("Alice+x@example.com"), "[alice.isp]:587");
  assert.equal(await relayhost("carol@example.com"), "[example.isp]");
  assert.equal(await relayhost("bob@example.com"), undefined);
  assert.equal(await relayhost(""), "[bounces.isp]");
  assert.equal(await relayhost("dave@other.test"), undefined);
  assert.equal(
    await lookups.senderRelayhost("alice@example.com", EMPTY),
    undefined,
  );
});
