/** Tests for parameters/routing.ts: the routing rows read from a file. */
import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/parse_config.ts";
import { configuredTables } from "../../../src/config/configured_tables.ts";

function parse(text: string) {
  return parseConfig({
    file: "/etc/mailsrv/mailsrv.toml",
    text,
    homeDirectory: "/srv/home",
    system: { hostname: "mx.example.com", interfaces: [] },
  }).config;
}

Deno.test("routing parameters: Postfix's defaults", () => {
  const config = parse("");
  assert.deepEqual(config.relay_domains, []);
  assert.deepEqual(config.relay_recipient_maps, []);
  assert.equal(config.relay_transport, "relay");
  assert.equal(config.default_transport, "smtp");
  assert.deepEqual(config.transport_maps, []);
  assert.deepEqual(config.sender_dependent_relayhost_maps, []);
  assert.deepEqual(config.defer_transports, []);
});

Deno.test("routing parameters: lists of domains and tables, relative tables made absolute", () => {
  const config = parse([
    'relay_domains = "Backup.Example, hash:relay_domains"',
    'transport_maps = "hash:/etc/mailsrv/transport"',
    'sender_dependent_relayhost_maps = "hash:sender_relay"',
    'relay_recipient_maps = "hash:relay_recipients"',
    'defer_transports = "smtp, relay"',
    'default_transport = "smtp:[outbound.example]:587"',
  ].join("\n"));
  assert.deepEqual(config.relay_domains, [
    "backup.example",
    "hash:/etc/mailsrv/relay_domains",
  ]);
  assert.deepEqual(config.transport_maps, ["hash:/etc/mailsrv/transport"]);
  assert.deepEqual(config.sender_dependent_relayhost_maps, [
    "hash:/etc/mailsrv/sender_relay",
  ]);
  assert.deepEqual(config.defer_transports, ["smtp", "relay"]);
  assert.equal(config.default_transport, "smtp:[outbound.example]:587");
  // mailsrv check and start open every one of these tables.
  assert.deepEqual(
    configuredTables(config)
      .filter((t) => t.spec.includes("/etc/mailsrv/"))
      .map((t) => `${t.parameter} ${t.kind}`),
    [
      "relay_domains domain-list",
      "relay_recipient_maps map",
      "transport_maps map",
      "sender_dependent_relayhost_maps map",
    ],
  );
});

Deno.test("routing parameters: a table list item must be a table", () => {
  assert.throws(
    () => parse('transport_maps = "/etc/mailsrv/transport"'),
    /transport_maps.*is not a lookup table \(type:name\)/,
  );
});

Deno.test("relayhost: empty by default; read as written", () => {
  assert.equal(parse("").relayhost, "");
  assert.equal(
    parse('relayhost = "[smtp.isp.example]:587"').relayhost,
    "[smtp.isp.example]:587",
  );
});
