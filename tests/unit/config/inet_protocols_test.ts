import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import {
  addressFamilies,
  addressRecordTypes,
  allowsAddress,
  familyOfAddress,
  type InetProtocols,
} from "../../../src/config/inet_protocols.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import type { SystemFacts } from "../../../src/config/system_facts.ts";
import type { Config } from "../../../src/config/types.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";
const IPV4_ONLY: SystemFacts = {
  hostname: "mx.example.com",
  interfaces: [{ family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" }],
};
const DUAL_STACK: SystemFacts = {
  hostname: "mx.example.com",
  interfaces: [
    ...IPV4_ONLY.interfaces,
    { family: "IPv6", address: "::1", netmask: "ffff:ffff:ffff:ffff::" },
  ],
};

function parse(text: string, system: SystemFacts = DUAL_STACK) {
  return parseConfig({ file: FILE, text, homeDirectory: "/srv", system });
}

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  assert.fail("no error");
}

function addresses(text: string, system?: SystemFacts): string[] {
  return parse(text, system).config.listeners.map((l) => l.address);
}

Deno.test("the config value is the resolver's InetProtocols", () => {
  const value: InetProtocols = parse("").config.inet_protocols;
  assert.equal(value, "all");
  const back: Config["inet_protocols"] = value;
  assert.equal(back, "all");
  assert.equal(parse('inet_protocols = "ipv6"').config.inet_protocols, "ipv6");
  assert.equal(
    errorOf('inet_protocols = "ipv4, ipv6"'),
    `${FILE}:1: inet_protocols: "ipv4, ipv6" is not one of: all, ipv4, ipv6`,
  );
});

Deno.test("lookups: which families and records inet_protocols allows", () => {
  assert.deepEqual(addressFamilies("all"), ["ipv4", "ipv6"]);
  assert.deepEqual(addressFamilies("ipv6"), ["ipv6"]);
  assert.deepEqual(addressRecordTypes("all"), ["A", "AAAA"]);
  assert.deepEqual(addressRecordTypes("ipv4"), ["A"]);
  assert.deepEqual(addressRecordTypes("ipv6"), ["AAAA"]);
  assert.equal(familyOfAddress("192.0.2.1"), "ipv4");
  assert.equal(familyOfAddress("::ffff:192.0.2.1"), "ipv6");
  assert.equal(allowsAddress("ipv4", "192.0.2.1"), true);
  assert.equal(allowsAddress("ipv4", "2001:db8::1"), false);
  assert.equal(allowsAddress("ipv6", "192.0.2.1"), false);
  assert.equal(allowsAddress("all", "2001:db8::1"), true);
});

Deno.test("inet_interfaces = all listens in the families allowed", () => {
  assert.deepEqual(addresses('inet_protocols = "ipv4"'), ["0.0.0.0"]);
  assert.deepEqual(addresses('inet_protocols = "ipv6"'), ["::"]);
  // One dual-stack socket: Linux gives it IPv4 clients too.
  assert.deepEqual(addresses(""), ["::"]);
  assert.deepEqual(addresses("", IPV4_ONLY), ["0.0.0.0"]);
  assert.deepEqual(addresses('inet_protocols = "ipv6"', IPV4_ONLY), ["::"]);
});

Deno.test("inet_interfaces = loopback-only listens on each loopback allowed", () => {
  const loopback = 'inet_interfaces = "loopback-only"\n';
  assert.deepEqual(addresses(loopback), ["127.0.0.1", "::1"]);
  assert.deepEqual(addresses(loopback, IPV4_ONLY), ["127.0.0.1"]);
  assert.deepEqual(addresses(loopback + 'inet_protocols = "ipv4"'), [
    "127.0.0.1",
  ]);
  assert.deepEqual(addresses(loopback + 'inet_protocols = "ipv6"'), ["::1"]);
});

Deno.test("postconf -d shows the default listener of this machine", () => {
  assert.deepEqual(parse("").view.defaultListeners.map((l) => l.address), [
    "::",
  ]);
  assert.deepEqual(
    parse("", IPV4_ONLY).view.defaultListeners.map((l) => l.address),
    ["0.0.0.0"],
  );
});

Deno.test("an address of a family inet_protocols excludes is a config error at its line", () => {
  assert.equal(
    errorOf(
      'inet_protocols = "ipv4"\n\n[[listener]]\naddress = "127.0.0.1"\n' +
        'port = 25\n\n[[listener]]\nport = 26\naddress = "::1"\n',
    ),
    `${FILE}:9: listener.address: "::1" is an IPv6 address, but ` +
      "inet_protocols = ipv4; set inet_protocols to all, or use an " +
      "address of the other family",
  );
  assert.equal(
    errorOf('inet_protocols = "ipv6"\ninet_interfaces = "::1, 127.0.0.1"\n'),
    `${FILE}:2: inet_interfaces: "127.0.0.1" is an IPv4 address, but ` +
      "inet_protocols = ipv6; set inet_protocols to all, or use an " +
      "address of the other family",
  );
  assert.deepEqual(
    addresses('inet_protocols = "ipv6"\ninet_interfaces = "::1"\n'),
    ["::1"],
  );
});
