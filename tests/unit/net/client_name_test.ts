import assert from "node:assert/strict";
import { clientAddress, clientName } from "../../../src/net/client_name.ts";

Deno.test("IPv4-mapped IPv6 peers are logged as IPv4", () => {
  assert.equal(clientAddress("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(clientAddress("::FFFF:127.0.0.1"), "127.0.0.1");
  assert.equal(clientAddress("2001:db8::1"), "2001:db8::1");
  assert.equal(clientAddress("192.0.2.7"), "192.0.2.7");
});

Deno.test("loopback clients are localhost, all others unknown (no DNS)", () => {
  assert.equal(clientName("127.0.0.1"), "localhost");
  assert.equal(clientName("127.3.2.1"), "localhost");
  assert.equal(clientName("::1"), "localhost");
  assert.equal(clientName("192.0.2.7"), "unknown");
  assert.equal(clientName("2001:db8::1"), "unknown");
});
