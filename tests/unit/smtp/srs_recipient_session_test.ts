/**
 * Tests for the smtpd session with srs_domain: an SRS address of ours is
 * verified from any client, and a verified one goes to its original
 * sender with the SRS address kept as its ORCPT.
 */
import assert from "node:assert/strict";
import { inMail } from "./session_driver.ts";

const OUTSIDE = { name: "unknown", address: "192.0.2.9" };
const SRS = { srs_domain: "srs.example" };
const BOUNCE_TO = "SRS0=EU7j=IZ=example.org=Alice@srs.example";

Deno.test("srs: an SRS address of srs_domain is verified, not refused as relaying", () => {
  const d = inMail(SRS, OUTSIDE);
  assert.deepEqual(d.command(`RCPT TO:<${BOUNCE_TO}>`), []);
  assert.deepEqual(d.actions, [{
    type: "verify-recipient",
    address: BOUNCE_TO,
  }]);
  assert.deepEqual(
    d.send({
      type: "recipient-verdict",
      verdict: { ok: true, address: "Alice@example.org" },
    }),
    ["250 2.1.5 Ok"],
  );
  assert.deepEqual(d.session.transaction?.recipients, ["Alice@example.org"]);
  assert.deepEqual(
    d.session.transaction?.recipientDsn?.get("Alice@example.org"),
    { orcpt: { type: "rfc822", address: BOUNCE_TO } },
  );
});

Deno.test("srs: a refused SRS address gets the verifier's 550", () => {
  const d = inMail(SRS, OUTSIDE);
  d.command(`RCPT TO:<${BOUNCE_TO}>`);
  const replies = d.send({
    type: "recipient-verdict",
    verdict: {
      ok: false,
      code: 550,
      dsn: "5.1.1",
      text: "Recipient address rejected: Invalid SRS address (bad hash)",
    },
  });
  assert.match(replies[0], /^550 5\.1\.1 <SRS0=.*>: .*Invalid SRS address/);
  assert.deepEqual(d.session.transaction?.recipients, []);
});

Deno.test("srs: other addresses of srs_domain, and SRS off, are relaying as before", () => {
  for (
    const [config, address] of [
      [SRS, "bob@srs.example"],
      [{}, BOUNCE_TO],
      [SRS, "SRS0=EU7j=IZ=example.org=Alice@other.example"],
    ] as const
  ) {
    const d = inMail(config, OUTSIDE);
    assert.match(d.command(`RCPT TO:<${address}>`)[0], /^554 5\.7\.1/);
    assert.equal(d.kinds().includes("verify-recipient"), false);
  }
});
