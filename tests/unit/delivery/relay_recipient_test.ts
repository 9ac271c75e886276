/** Tests for relay_recipient.ts: relay_recipient_maps at RCPT time. */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import {
  createRelayRecipientVerifier,
  UNKNOWN_RELAY_RECIPIENT,
} from "../../../src/delivery/relay_recipient.ts";
import { TEMPORARY_LOOKUP_FAILURE } from "../../../src/delivery/virtual/virtual_recipient.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

const RELAY = baseTestConfig({
  relay_domains: ["relay.test"],
  recipient_delimiter: "+",
});

function verifier(config: Config) {
  return createRelayRecipientVerifier(() => config);
}

Deno.test("relay recipients: every one without relay_recipient_maps", async () => {
  assert.deepEqual(await verifier(RELAY)("anyone@relay.test"), { ok: true });
});

Deno.test("relay recipients: user+ext@domain, user@domain, @domain; others 550 5.1.1", async () => {
  const verify = verifier({
    ...RELAY,
    relay_recipient_maps: [
      "inline:{ known@relay.test=OK, @open.test=x }",
      "inline:{ ext+tag@relay.test=OK }",
    ],
  });
  for (
    const address of [
      "known@relay.test",
      "Known+x@relay.test",
      "ext+tag@relay.test",
      "whoever@open.test",
    ]
  ) {
    assert.deepEqual(await verify(address), { ok: true }, address);
  }
  assert.deepEqual(await verify("ext@relay.test"), UNKNOWN_RELAY_RECIPIENT);
  assert.deepEqual(await verify("unknown@relay.test"), {
    ok: false,
    code: 550,
    dsn: "5.1.1",
    text: "Recipient address rejected: User unknown in relay recipient table",
  });
});

Deno.test("relay recipients: an unreadable table is 451 4.3.0, never a rejection", async () => {
  const verify = verifier({
    ...RELAY,
    relay_recipient_maps: ["hash:/nonexistent/mailsrv-test/relay_recipients"],
  });
  assert.deepEqual(await verify("known@relay.test"), TEMPORARY_LOOKUP_FAILURE);
});
