/** Tests for transport_table.ts: transport(5) keys and values. */
import assert from "node:assert/strict";
import {
  applyTransportValue,
  parseTransportValue,
  transportLookupKeys,
} from "../../../src/resolve/transport_table.ts";

Deno.test("transportLookupKeys: address, address without extension, domain, .parents, *", () => {
  assert.deepEqual(transportLookupKeys("Bob+Lists", "mx.example.com", "+"), [
    "bob+lists@mx.example.com",
    "bob@mx.example.com",
    "mx.example.com",
    ".example.com",
    ".com",
    "*",
  ]);
});

Deno.test("transportLookupKeys: no extension key without a delimiter or an extension", () => {
  assert.deepEqual(transportLookupKeys("bob+lists", "example.com", ""), [
    "bob+lists@example.com",
    "example.com",
    ".com",
    "*",
  ]);
  assert.deepEqual(transportLookupKeys("bob", "localhost", "+"), [
    "bob@localhost",
    "localhost",
    "*",
  ]);
  // The domain itself is never looked up with a leading dot.
  assert.ok(
    !transportLookupKeys("a", "example.com", "").includes(".example.com"),
  );
});

Deno.test("parseTransportValue: split at the first colon, transport folded", () => {
  assert.deepEqual(parseTransportValue("SMTP:[10.0.0.1]:25"), {
    transport: "smtp",
    nexthop: "[10.0.0.1]:25",
  });
  assert.deepEqual(parseTransportValue(" :[gw.example.com] "), {
    transport: "",
    nexthop: "[gw.example.com]",
  });
  assert.deepEqual(parseTransportValue("error:5.1.1 no: such user"), {
    transport: "error",
    nexthop: "5.1.1 no: such user",
  });
  assert.deepEqual(parseTransportValue("relay"), {
    transport: "relay",
    nexthop: "",
  });
  assert.deepEqual(parseTransportValue(":"), { transport: "", nexthop: "" });
  assert.deepEqual(parseTransportValue(""), { transport: "", nexthop: "" });
});

const SMTP_VIA_RELAYHOST = { name: "smtp", nexthop: "[smarthost.example]" };

Deno.test("applyTransportValue: every value form", () => {
  const apply = (value: string) =>
    applyTransportValue(SMTP_VIA_RELAYHOST, value, "example.com");
  const cases: Array<[string, string, string]> = [
    ["smtp:[10.0.0.1]:25", "smtp", "[10.0.0.1]:25"],
    ["relay:mx.example.net", "relay", "mx.example.net"],
    // A null transport keeps the address's own; a null nexthop of a named
    // transport is the recipient domain, not relayhost (transport(5)).
    [":[gw.example.com]", "smtp", "[gw.example.com]"],
    ["smtp:", "smtp", "example.com"],
    ["smtp", "smtp", "example.com"],
    [":", "smtp", "[smarthost.example]"],
    ["", "smtp", "[smarthost.example]"],
    ["local:", "local", "example.com"],
    ["virtual:", "virtual", "example.com"],
    ["discard:", "discard", "example.com"],
    ["discard:spam trap", "discard", "spam trap"],
    ["error:5.1.1 no such user", "error", "5.1.1 no such user"],
    [
      "error:mail for *.example.com is not deliverable",
      "error",
      "mail for *.example.com is not deliverable",
    ],
    ["error:", "error", "5.0.0 mail for example.com is undeliverable"],
    ["retry:4.4.1 link down", "retry", "4.4.1 link down"],
    ["retry:", "retry", "4.0.0 mail for example.com is deferred"],
    ["uucp:example", "uucp", "example"],
  ];
  for (const [value, name, nexthop] of cases) {
    assert.deepEqual(apply(value), { name, nexthop }, JSON.stringify(value));
  }
});
