/** Tests for address_resolver.ts: the resolver with its virtual domain tables. */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import { LookupTableError } from "../../../src/maps/mod.ts";
import { createAddressResolver } from "../../../src/resolve/address_resolver.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

/** A virtual domain lookup over a fixed set, recording what it was asked. */
function fakeDomains(domains: string[], failing = false) {
  const asked: string[] = [];
  return {
    asked,
    isVirtualDomain(domain: string, _config: Config) {
      asked.push(domain);
      if (failing) {
        return Promise.reject(new LookupTableError("hash:/x", "unreadable"));
      }
      return Promise.resolve(domains.includes(domain));
    },
  };
}

function fakeLog() {
  const warnings: string[] = [];
  return { warnings, warning: (text: string) => void warnings.push(text) };
}

const config = baseTestConfig({
  mydestination: ["example.org", "both.test"],
  myorigin: "example.org",
  virtual_mailbox_domains: ["hash:/etc/vdomains"],
});

Deno.test("address resolver: local, virtual and remote; local needs no table", async () => {
  const domains = fakeDomains(["one.test", "both.test"]);
  const resolve = createAddressResolver(domains, { log: fakeLog() });
  assert.equal(
    (await resolve("bob@example.org", config)).addressClass,
    "local",
  );
  assert.equal((await resolve("a@One.Test", config)).addressClass, "virtual");
  assert.equal((await resolve("a@other.test", config)).addressClass, "remote");
  assert.equal(
    (await resolve("a%b@one.test", config)).addressClass,
    "refused",
  );
  // example.org once, for the overlap check; never for the trick.
  assert.deepEqual(domains.asked, ["example.org", "one.test", "other.test"]);
});

Deno.test("address resolver: a domain in both lists is local, with one warning", async () => {
  const log = fakeLog();
  const resolve = createAddressResolver(fakeDomains(["both.test"]), { log });
  assert.equal((await resolve("a@both.test", config)).addressClass, "local");
  assert.equal((await resolve("b@BOTH.test", config)).addressClass, "local");
  assert.deepEqual(log.warnings, [
    "do not list domain both.test in BOTH mydestination and virtual_mailbox_domains",
  ]);
});

Deno.test("address resolver: without virtual domains, no table is asked", async () => {
  const domains = fakeDomains(["one.test"]);
  const resolve = createAddressResolver(domains, { log: fakeLog() });
  const plain = { ...config, virtual_mailbox_domains: [] };
  assert.equal((await resolve("a@one.test", plain)).addressClass, "remote");
  assert.deepEqual(domains.asked, []);
});

Deno.test("address resolver: an unreadable domain table throws, except for local domains", async () => {
  const resolve = createAddressResolver(fakeDomains([], true), {
    log: fakeLog(),
  });
  assert.equal(
    (await resolve("bob@example.org", config)).addressClass,
    "local",
  );
  await assert.rejects(() => resolve("a@one.test", config), LookupTableError);
});

const routed = baseTestConfig({
  mydestination: ["example.org"],
  myorigin: "example.org",
  virtual_mailbox_domains: ["one.test"],
  relay_domains: ["relayed.test"],
  recipient_delimiter: "+",
});

Deno.test("address resolver: relay_domains (and subdomains) resolve relay, others remote", async () => {
  const resolve = createAddressResolver(fakeDomains(["one.test"]), {
    log: fakeLog(),
  });
  const relay = await resolve("a@MX.Relayed.Test", routed);
  assert.equal(relay.addressClass, "relay");
  assert.deepEqual(relay.transport, {
    name: "relay",
    nexthop: "mx.relayed.test",
  });
  assert.equal((await resolve("a@one.test", routed)).addressClass, "virtual");
  const remote = await resolve("a@remote.test", routed);
  assert.equal(remote.addressClass, "remote");
  assert.deepEqual(remote.transport, { name: "smtp", nexthop: "remote.test" });
  // A relay trick stays refused, whatever the domain.
  assert.equal(
    (await resolve("a%b@relayed.test", routed)).addressClass,
    "refused",
  );
});

Deno.test("address resolver: relayhost and the sender's relayhost", async () => {
  const resolve = createAddressResolver(fakeDomains([]), { log: fakeLog() });
  const config = {
    ...routed,
    relayhost: "[smarthost.isp.example]:587",
    sender_dependent_relayhost_maps: [
      "inline:{ @work.example=[work.isp.example], <>=[bounce.isp.example] }",
    ],
  };
  const nexthop = async (rcpt: string, sender?: string) =>
    (await resolve(rcpt, config, sender === undefined ? {} : { sender }))
      .transport?.nexthop;
  assert.equal(await nexthop("a@remote.test"), "[smarthost.isp.example]:587");
  assert.equal(
    await nexthop("a@remote.test", "me@home.example"),
    "[smarthost.isp.example]:587",
  );
  assert.equal(
    await nexthop("a@remote.test", "me@work.example"),
    "[work.isp.example]",
  );
  assert.equal(
    await nexthop("a@relayed.test", "me@work.example"),
    "[work.isp.example]",
  );
  assert.equal(await nexthop("a@remote.test", ""), "[bounce.isp.example]");
  // Local mail never goes to a relayhost.
  assert.equal(
    await nexthop("bob@example.org", "me@work.example"),
    "example.org",
  );
});

Deno.test("address resolver: transport_maps applies to every class, and only where it has an entry", async () => {
  const resolve = createAddressResolver(fakeDomains(["one.test"]), {
    log: fakeLog(),
  });
  const config = {
    ...routed,
    relayhost: "[smarthost.isp.example]",
    transport_maps: [
      "inline:{ {bob+spam@example.org=discard:spam}, {alice@one.test=error:5.1.1 gone}, " +
      "{relayed.test=smtp:[10.0.0.1]:25}, {.remote.test=retry:4.4.1 link down}, " +
      "{direct.test=smtp:} }",
    ],
  };
  const transport = async (rcpt: string) =>
    (await resolve(rcpt, config)).transport;
  assert.deepEqual(await transport("bob+spam@example.org"), {
    name: "discard",
    nexthop: "spam",
  });
  assert.deepEqual(await transport("bob@example.org"), {
    name: "local",
    nexthop: "example.org",
  });
  assert.deepEqual(await transport("alice+x@one.test"), {
    name: "error",
    nexthop: "5.1.1 gone",
  });
  assert.deepEqual(await transport("carol@one.test"), {
    name: "virtual",
    nexthop: "one.test",
  });
  assert.deepEqual(await transport("a@relayed.test"), {
    name: "smtp",
    nexthop: "[10.0.0.1]:25",
  });
  assert.deepEqual(await transport("a@mx.remote.test"), {
    name: "retry",
    nexthop: "4.4.1 link down",
  });
  assert.deepEqual(await transport("a@remote.test"), {
    name: "smtp",
    nexthop: "[smarthost.isp.example]",
  });
  assert.deepEqual(await transport("a@direct.test"), {
    name: "smtp",
    nexthop: "direct.test",
  });
  const resolved = await resolve("bob+spam@example.org", config);
  assert.equal(resolved.addressClass, "local", "the class does not change");
});

Deno.test("address resolver: an unknown transport defers, logged once", async () => {
  const log = fakeLog();
  const resolve = createAddressResolver(fakeDomains([]), { log });
  const config = { ...routed, transport_maps: ["inline:{ *=uucp:gateway }"] };
  for (const rcpt of ["a@remote.test", "b@remote.test"]) {
    assert.deepEqual((await resolve(rcpt, config)).transport, {
      name: "retry",
      nexthop: "4.3.0 mail transport unavailable",
    });
  }
  assert.deepEqual(log.warnings, [
    'unknown mail transport "uucp" (from transport_maps entry "*"): mail for ' +
    "remote.test is deferred; mailsrv has local, virtual, smtp, relay, " +
    "error, discard, retry",
  ]);
});

Deno.test("address resolver: unreadable routing tables throw LookupTableError", async () => {
  const resolve = createAddressResolver(fakeDomains([]), { log: fakeLog() });
  const missing = "hash:/nonexistent/mailsrv-test/table";
  await assert.rejects(
    () => resolve("bob@example.org", { ...routed, transport_maps: [missing] }),
    LookupTableError,
  );
  await assert.rejects(
    () => resolve("a@remote.test", { ...routed, relay_domains: [missing] }),
    LookupTableError,
  );
  const senderMaps = { ...routed, sender_dependent_relayhost_maps: [missing] };
  await assert.rejects(
    () => resolve("a@remote.test", senderMaps, { sender: "me@home.example" }),
    LookupTableError,
  );
  // Without a sender, or for local mail, the sender map is not read.
  assert.equal(
    (await resolve("a@remote.test", senderMaps)).addressClass,
    "remote",
  );
  assert.equal(
    (await resolve("bob@example.org", senderMaps, { sender: "me@x.example" }))
      .addressClass,
    "local",
  );
});

Deno.test("address resolver: the VirtualMaps' tables are the ones consulted", async () => {
  const opened: string[] = [];
  const tables = {
    open(spec: string) {
      opened.push(spec);
      return { spec, lookup: () => Promise.resolve("smtp:[shared]") };
    },
  };
  const resolve = createAddressResolver(
    { ...fakeDomains([]), tables },
    { log: fakeLog() },
  );
  const config = { ...routed, transport_maps: ["hash:/x/transport"] };
  assert.deepEqual((await resolve("a@remote.test", config)).transport, {
    name: "smtp",
    nexthop: "[shared]",
  });
  assert.ok(opened.includes("hash:/x/transport"));
});
