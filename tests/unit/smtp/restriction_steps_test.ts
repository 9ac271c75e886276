import assert from "node:assert/strict";
import { cleanData, inMail } from "./session_driver.ts";

const OUTSIDE = { name: "unknown", address: "192.0.2.9" };

Deno.test("RCPT asks for the restriction lists with what the session knows", () => {
  const d = inMail({}, OUTSIDE);
  d.answerRestrictions = false;
  assert.deepEqual(d.command("RCPT TO:<bob@remote.example>"), []);
  assert.equal(d.session.phase, "checking");
  const action = d.actions[0];
  assert.equal(action.type, "check-restrictions");
  if (action.type !== "check-restrictions") return;
  assert.equal(action.request.stage, "rcpt");
  assert.equal(action.request.recipient, "bob@remote.example");
  assert.equal(action.request.sender, "sender@client.example");
  assert.equal(action.request.helo, "client.example");
  assert.equal(action.request.clientAddress, "192.0.2.9");
  assert.equal(action.request.authenticatedUser, null);
  assert.equal(action.request.ehlo, true);
});

Deno.test("a refusal is the RCPT reply and a reject line; warnings are logged", () => {
  const d = inMail({}, OUTSIDE);
  d.restrictions = () => ({
    refusal: {
      code: 554,
      dsn: "5.7.1",
      text:
        "Service unavailable; Client host [192.0.2.9] blocked using zen.example",
    },
    warnings: [{ kind: "reject_warning", text: "504 5.5.2 <x>: test" }],
    dispositions: [],
  });
  assert.deepEqual(d.command("RCPT TO:<bob@example.org>"), [
    "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.example",
  ]);
  assert.deepEqual(d.logs(), [
    "smtpd: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.9]: 504 5.5.2 <x>: test; from=<sender@client.example> to=<bob@example.org> proto=ESMTP helo=<client.example>",
    "smtpd: NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.example; from=<sender@client.example> to=<bob@example.org> proto=ESMTP helo=<client.example>",
  ]);
  assert.equal(d.session.transaction?.recipients.length, 0);
  assert.equal(d.session.phase, "command");
});

Deno.test("a permitted local recipient goes on to the verifier", () => {
  const d = inMail({}, OUTSIDE);
  d.command("RCPT TO:<alice@example.org>");
  assert.deepEqual(d.kinds(), ["verify-recipient"]);
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    ["250 2.1.5 Ok"],
  );
});

Deno.test("smtpd_data_restrictions are asked at DATA; a refusal keeps the transaction", () => {
  const d = inMail({ smtpd_data_restrictions: ["reject"] });
  d.command("RCPT TO:<friend@remote.example>");
  d.restrictions = () => ({
    refusal: {
      code: 554,
      dsn: "5.7.1",
      text: "<DATA>: Data command rejected: Access denied",
    },
    warnings: [],
    dispositions: [],
  });
  assert.deepEqual(d.command("DATA"), [
    "554 5.7.1 <DATA>: Data command rejected: Access denied",
  ]);
  assert.equal(d.checked?.stage, "data");
  assert.equal(d.session.transaction?.recipients.length, 1);
});

Deno.test("a DISCARD disposition acknowledges the message and throws it away", () => {
  const d = inMail();
  d.restrictions = () => ({
    refusal: null,
    warnings: [],
    dispositions: [{ action: "discard", reason: "" }],
  });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  d.send({ type: "data-begun", queueId: "4QID" });
  assert.deepEqual(d.send({ type: "data-end", summary: cleanData() }), [
    "250 2.0.0 Ok: queued as 4QID",
  ]);
  assert.deepEqual(d.kinds(), ["abort", "log", "reply"]);
});

Deno.test("end-of-data restrictions can refuse the message: nothing is queued", () => {
  const d = inMail({ smtpd_end_of_data_restrictions: ["defer"] });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  d.send({ type: "data-begun", queueId: "4QID" });
  d.restrictions = () => ({
    refusal: {
      code: 450,
      dsn: "4.7.1",
      text: "<END-OF-MESSAGE>: End-of-data rejected: Access denied",
    },
    warnings: [],
    dispositions: [],
  });
  assert.deepEqual(d.send({ type: "data-end", summary: cleanData() }), [
    "450 4.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied",
  ]);
  assert.equal(d.checked?.stage, "end-of-data");
  assert.ok(d.kinds().includes("abort"));
  assert.equal(d.session.transaction, null);
  assert.equal(d.session.phase, "command");
});

Deno.test("error limits: a pause before each error past the soft limit, 421 at the hard limit", () => {
  const d = inMail({
    smtpd_soft_error_limit: 1,
    smtpd_hard_error_limit: 3,
    smtpd_error_sleep_time: 2,
  });
  d.command("BOGUS");
  assert.deepEqual(d.kinds(), ["reply"]);
  d.command("BOGUS");
  assert.deepEqual(d.actions[0], { type: "pause", seconds: 2 });
  d.command("NOOP");
  assert.deepEqual(d.kinds(), ["reply"], "no pause before a success");
  const last = d.command("BOGUS");
  assert.equal(
    last.at(-1),
    "421 4.7.0 mx.example.org Error: too many errors",
  );
  assert.equal(d.session.phase, "closed");
});
