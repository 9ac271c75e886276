/** Tests for deferred_transports.ts: defer_transports. */
import assert from "node:assert/strict";
import {
  DEFERRED_TRANSPORT,
  isDeferredTransport,
} from "../../../src/resolve/deferred_transports.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

Deno.test("isDeferredTransport: the listed transports wait; none by default", () => {
  const dialup = baseTestConfig({ defer_transports: ["smtp", "relay"] });
  assert.equal(isDeferredTransport("smtp", dialup), true);
  assert.equal(isDeferredTransport("relay", dialup), true);
  assert.equal(isDeferredTransport("local", dialup), false);
  assert.equal(isDeferredTransport("SMTP", dialup), false, "exact names");
  assert.deepEqual(baseTestConfig().defer_transports, []);
  assert.equal(isDeferredTransport("smtp", baseTestConfig()), false);
  assert.deepEqual(DEFERRED_TRANSPORT, {
    dsn: "4.3.2",
    text: "deferred transport",
  });
});
