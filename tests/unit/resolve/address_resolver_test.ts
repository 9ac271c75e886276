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
