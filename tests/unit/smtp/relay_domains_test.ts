/** Tests for the smtpd session with relay_domains: the verifier decides. */
import assert from "node:assert/strict";
import { inMail } from "./session_driver.ts";

const OUTSIDE = { name: "unknown", address: "192.0.2.9" };
const RELAYING = { relay_domains: ["relay.test"] };

Deno.test("relay_domains: a remote-looking recipient is verified, not refused at once", () => {
  const d = inMail(RELAYING, OUTSIDE);
  assert.deepEqual(d.command("RCPT TO:<friend@Relay.Test>"), []);
  assert.deepEqual(d.actions, [{
    type: "verify-recipient",
    address: "friend@relay.test",
  }]);
  // The verifier found a relay domain: accepted without mynetworks.
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    ["250 2.1.5 Ok"],
  );
  assert.deepEqual(d.session.transaction?.recipients, ["friend@relay.test"]);
});

Deno.test("relay_domains: a recipient the verifier calls remote still needs permission", () => {
  const d = inMail(RELAYING, OUTSIDE);
  d.command("RCPT TO:<victim@remote.test>");
  assert.deepEqual(d.kinds(), ["verify-recipient"]);
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: "remote" } }),
    ["554 5.7.1 <victim@remote.test>: Relay access denied"],
  );
  const inside = inMail(RELAYING);
  inside.command("RCPT TO:<friend@remote.test>");
  assert.deepEqual(
    inside.send({ type: "recipient-verdict", verdict: { ok: "remote" } }),
    ["250 2.1.5 Ok"],
  );
});

Deno.test("relay_domains: a relay trick is refused before any lookup", () => {
  const d = inMail(RELAYING, OUTSIDE);
  assert.match(
    d.command("RCPT TO:<victim%remote.test@relay.test>")[0],
    /^554 5\.7\.1 .*Relay access denied$/,
  );
  assert.deepEqual(d.kinds().includes("verify-recipient"), false);
});

Deno.test("without relay_domains or virtual domains, remote recipients are not looked up", () => {
  const d = inMail({}, OUTSIDE);
  assert.match(d.command("RCPT TO:<friend@relay.test>")[0], /^554 5\.7\.1/);
  assert.deepEqual(d.kinds().includes("verify-recipient"), false);
});
