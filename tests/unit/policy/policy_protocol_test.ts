import assert from "node:assert/strict";
import {
  decodePolicyRequest,
  encodePolicyRequest,
  parsePolicyReply,
} from "../../../src/policy/policy_protocol.ts";
import { rcptRequest } from "./restrictions/fake_lookups.ts";

Deno.test("a policy request carries Postfix's attributes in its order", () => {
  const text = encodePolicyRequest(
    rcptRequest({ queueId: null, recipientCount: 2, size: 1234 }),
    { instance: "a1.1", mailVersion: "0.1.0", clientPort: 40000 },
  );
  assert.ok(text.endsWith("\n\n"));
  const lines = text.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 12), [
    "request=smtpd_access_policy",
    "protocol_state=RCPT",
    "protocol_name=ESMTP",
    "helo_name=mail.example.com",
    "queue_id=",
    "sender=alice@example.com",
    "recipient=bob@example.org",
    "recipient_count=2",
    "client_address=192.0.2.1",
    "client_name=unknown",
    "reverse_client_name=unknown",
    "instance=a1.1",
  ]);
  const attributes = decodePolicyRequest(text);
  assert.equal(attributes.get("size"), "1234");
  assert.equal(attributes.get("client_port"), "40000");
  assert.equal(attributes.get("mail_version"), "0.1.0");
  for (
    const name of [
      "sasl_method",
      "sasl_username",
      "sasl_sender",
      "ccert_subject",
      "ccert_issuer",
      "ccert_fingerprint",
      "ccert_pubkey_fingerprint",
      "encryption_protocol",
      "encryption_cipher",
      "encryption_keysize",
      "etrn_domain",
      "stress",
      "policy_context",
      "server_address",
      "server_port",
      "compatibility_level",
    ]
  ) {
    assert.ok(attributes.has(name), name);
  }
});

Deno.test("a value cannot smuggle attributes of its own", () => {
  const text = encodePolicyRequest(
    rcptRequest({ helo: "x\nrecipient=evil@example.com\n\naction=OK" }),
    { instance: "1", mailVersion: "0" },
  );
  const attributes = decodePolicyRequest(text);
  assert.equal(attributes.get("recipient"), "bob@example.org");
  assert.equal(text.split("\n\n").length, 2);
});

Deno.test("parsePolicyReply waits for the empty line and reads action=", () => {
  assert.equal(parsePolicyReply("action=DUNNO\n"), undefined);
  assert.deepEqual(parsePolicyReply("action=DUNNO\n\n"), { action: "DUNNO" });
  assert.deepEqual(
    parsePolicyReply("action=DEFER_IF_PERMIT Greylisted, see x\r\n\r\n"),
    { action: "DEFER_IF_PERMIT Greylisted, see x" },
  );
  assert.deepEqual(parsePolicyReply("foo=bar\n\n"), { action: null });
  assert.deepEqual(parsePolicyReply("\n"), { action: null });
});
