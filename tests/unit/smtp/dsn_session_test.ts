/**
 * DSN through the smtpd session: EHLO offers it, MAIL and RCPT take its
 * parameters, and the envelope handed to the queue carries them.
 */
import assert from "node:assert/strict";
import type { NewEnvelope } from "../../../src/queue/enqueue.ts";
import { connected } from "./session_driver.ts";

function envelopeOf(
  d: ReturnType<typeof connected>,
): NewEnvelope {
  const open = d.actions.find((a) => a.type === "open-data");
  assert.ok(open && open.type === "open-data", "DATA opens the queue file");
  return open.envelope;
}

Deno.test("EHLO offers DSN; HELO offers nothing", () => {
  const d = connected();
  assert.match(d.command("EHLO client.example")[0], /\n250 DSN$/);
  assert.deepEqual(d.command("HELO client.example"), ["250 mx.example.org"]);
});

Deno.test("the DSN parameters of MAIL and RCPT reach the envelope", () => {
  const d = connected();
  d.command("EHLO client.example");
  assert.deepEqual(
    d.command("MAIL FROM:<sender@client.example> RET=HDRS ENVID=QQ+2B1"),
    ["250 2.1.0 Ok"],
  );
  // A relayed recipient (the test client is in mynetworks)...
  assert.deepEqual(
    d.command(
      "RCPT TO:<friend@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Friend+40remote.example",
    ),
    ["250 2.1.5 Ok"],
  );
  // ...one without parameters...
  assert.deepEqual(d.command("RCPT TO:<other@remote.example>"), [
    "250 2.1.5 Ok",
  ]);
  // ...and a local one, verified first: its parameters wait with it.
  assert.deepEqual(d.command("RCPT TO:<alice@example.org> NOTIFY=NEVER"), []);
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    [
      "250 2.1.5 Ok",
    ],
  );
  // A repeated recipient keeps its first parameters.
  d.command("RCPT TO:<friend@remote.example> NOTIFY=DELAY");
  d.command("DATA");
  const envelope = envelopeOf(d);
  assert.equal(envelope.ret, "HDRS");
  assert.equal(envelope.envid, "QQ+1");
  assert.deepEqual(envelope.recipients, [
    "friend@remote.example",
    "other@remote.example",
    "alice@example.org",
  ]);
  assert.deepEqual([...envelope.recipientDsn ?? []], [
    ["friend@remote.example", {
      notify: ["SUCCESS", "FAILURE"],
      orcpt: { type: "rfc822", address: "Friend@remote.example" },
    }],
    ["alice@example.org", { notify: ["NEVER"] }],
  ]);
});

Deno.test("without DSN parameters the envelope has no DSN fields", () => {
  const d = connected();
  d.command("EHLO client.example");
  d.command("MAIL FROM:<sender@client.example>");
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  const envelope = envelopeOf(d);
  assert.equal(envelope.ret, undefined);
  assert.equal(envelope.envid, undefined);
  assert.equal(envelope.recipientDsn, undefined);
});

Deno.test("a bad DSN parameter refuses the command, the transaction goes on", () => {
  const d = connected();
  d.command("EHLO client.example");
  assert.deepEqual(d.command("MAIL FROM:<s@client.example> RET=NONE"), [
    "501 5.5.4 Bad RET parameter syntax",
  ]);
  d.command("MAIL FROM:<s@client.example>");
  assert.deepEqual(
    d.command("RCPT TO:<friend@remote.example> ORCPT=rfc822;a ORCPT=rfc822;b"),
    ["501 5.5.4 Error: Multiple ORCPT parameters"],
  );
  assert.deepEqual(d.command("RCPT TO:<friend@remote.example>"), [
    "250 2.1.5 Ok",
  ]);
});
