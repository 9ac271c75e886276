/**
 * smtpd's part of the content filter setup: content_filter in the
 * envelope (an access FILTER wins), XFORWARD from authorized filters,
 * and receive_override_options = no_unknown_recipient_checks.
 */
import assert from "node:assert/strict";
import { cleanData, connected, inMail } from "./session_driver.ts";

function openedEnvelope(d: ReturnType<typeof inMail>) {
  const open = d.actions.find((a) => a.type === "open-data");
  assert.ok(open?.type === "open-data", "DATA opens the queue file");
  return open.envelope;
}

const TRUSTED = { smtpd_authorized_xforward_hosts: ["127.0.0.0/8"] };

Deno.test("content_filter goes into every message's envelope", () => {
  const d = inMail({ content_filter: "scan:[127.0.0.1]:10025" });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  assert.equal(openedEnvelope(d).filter, "scan:[127.0.0.1]:10025");
});

Deno.test("an empty content_filter (the reinjection listener) adds none", () => {
  const d = inMail({ content_filter: "" });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  assert.equal(openedEnvelope(d).filter, undefined);
});

Deno.test("an access FILTER wins over content_filter", () => {
  const d = inMail({ content_filter: "scan:[127.0.0.1]:10025" });
  d.restrictions = () => ({
    refusal: null,
    warnings: [],
    dispositions: [{ action: "filter", transport: "lmtp:[127.0.0.1]:10024" }],
  });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  assert.equal(openedEnvelope(d).filter, "lmtp:[127.0.0.1]:10024");
});

Deno.test("EHLO offers XFORWARD only to smtpd_authorized_xforward_hosts", () => {
  const trusted = connected(TRUSTED);
  assert.match(
    trusted.command("EHLO filter")[0],
    /^250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE$/m,
  );
  const stranger = connected(TRUSTED, {
    name: "unknown",
    address: "192.0.2.7",
  });
  assert.doesNotMatch(stranger.command("EHLO x")[0], /XFORWARD/);
  assert.deepEqual(stranger.command("XFORWARD NAME=spoof.example"), [
    "550 5.7.0 Error: insufficient authorization",
  ]);
  assert.doesNotMatch(connected().command("EHLO x")[0], /XFORWARD/);
});

Deno.test("XFORWARD names the original client in the envelope and the log", () => {
  const d = connected(TRUSTED);
  d.command("EHLO filter.test");
  assert.deepEqual(
    d.command("XFORWARD NAME=mx.example.com ADDR=192.0.2.1 PROTO=ESMTP"),
    ["250 2.0.0 Ok"],
  );
  assert.deepEqual(
    d.command(
      "XFORWARD HELO=mx+2Eexample.com IDENT=8DsBw0lSIIgfQSJ SOURCE=REMOTE",
    ),
    ["250 2.0.0 Ok"],
  );
  d.command("MAIL FROM:<sender@client.example>");
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  const envelope = openedEnvelope(d);
  assert.equal(envelope.clientName, "mx.example.com");
  assert.equal(envelope.clientAddress, "192.0.2.1");
  assert.equal(envelope.helo, "mx.example.com");
  assert.equal(envelope.protocol, "ESMTP");
  d.send({ type: "data-begun", queueId: "4QID" });
  assert.ok(
    d.logs().includes(
      "smtpd: 4QID: client=mx.example.com[192.0.2.1], orig_queue_id=8DsBw0lSIIgfQSJ, orig_client=localhost[127.0.0.1]",
    ),
    d.logs().join("\n"),
  );
  // The attributes served that transaction only.
  d.send({ type: "data-end", summary: cleanData() });
  d.send({ type: "queued" });
  d.command("MAIL FROM:<sender@client.example>");
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  assert.equal(openedEnvelope(d).clientAddress, "127.0.0.1");
});

Deno.test("XFORWARD refusals: inside a transaction, bad names and values", () => {
  const d = connected(TRUSTED);
  d.command("EHLO filter.test");
  assert.deepEqual(d.command("XFORWARD"), [
    "501 5.5.4 Syntax: XFORWARD attribute=value...",
  ]);
  assert.deepEqual(d.command("XFORWARD COLOR=blue"), [
    "501 5.5.4 Bad XFORWARD attribute name: COLOR",
  ]);
  assert.deepEqual(d.command("XFORWARD ADDR=not-an-address"), [
    "501 5.5.4 Bad ADDR syntax: not-an-address",
  ]);
  assert.deepEqual(d.command("XFORWARD SOURCE=MARS"), [
    "501 5.5.4 Bad SOURCE syntax: MARS",
  ]);
  assert.deepEqual(
    d.command("XFORWARD NAME=[UNAVAILABLE] ADDR=IPv6:2001:db8::1"),
    [
      "250 2.0.0 Ok",
    ],
  );
  d.command("MAIL FROM:<sender@client.example>");
  assert.deepEqual(d.command("XFORWARD NAME=late.example"), [
    "503 5.5.1 Error: MAIL transaction in progress",
  ]);
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  const envelope = openedEnvelope(d);
  assert.equal(envelope.clientName, "unknown");
  assert.equal(envelope.clientAddress, "2001:db8::1");
});

Deno.test("no_unknown_recipient_checks: local recipients are not verified", () => {
  const checked = inMail();
  checked.command("RCPT TO:<someone@example.org>");
  assert.ok(checked.kinds().includes("verify-recipient"));
  const unchecked = inMail({
    receive_override_options: ["no_unknown_recipient_checks"],
  });
  assert.deepEqual(unchecked.command("RCPT TO:<someone@example.org>"), [
    "250 2.1.5 Ok",
  ]);
  assert.ok(!unchecked.kinds().includes("verify-recipient"));
});
