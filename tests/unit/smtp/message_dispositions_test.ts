import assert from "node:assert/strict";
import { cleanData, inMail } from "./session_driver.ts";
import type { MessageDisposition } from "../../../src/policy/restrictions/mod.ts";
import { envelopeDispositions } from "../../../src/smtp/message_dispositions.ts";

/** A session whose RCPT restrictions answer with `dispositions`. */
function withDispositions(dispositions: MessageDisposition[]) {
  const d = inMail();
  d.restrictions = () => ({ refusal: null, warnings: [], dispositions });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("RCPT TO:<other@remote.example>");
  d.restrictions = () => ({ refusal: null, warnings: [], dispositions: [] });
  d.command("DATA");
  return d;
}

function openedEnvelope(d: ReturnType<typeof inMail>) {
  const open = d.actions.find((a) => a.type === "open-data");
  assert.ok(open?.type === "open-data", "DATA opens the queue file");
  return open.envelope;
}

Deno.test("HOLD: the message is committed into hold/", () => {
  const d = withDispositions([{ action: "hold", reason: "look at it" }]);
  assert.equal(openedEnvelope(d).filter, undefined);
  d.send({ type: "data-begun", queueId: "4QID" });
  d.send({ type: "data-end", summary: cleanData() });
  assert.deepEqual(d.actions.find((a) => a.type === "commit"), {
    type: "commit",
    hold: true,
  });
});

Deno.test("without HOLD the commit goes to the queue manager", () => {
  const d = withDispositions([]);
  d.send({ type: "data-begun", queueId: "4QID" });
  d.send({ type: "data-end", summary: cleanData() });
  assert.deepEqual(d.actions.find((a) => a.type === "commit"), {
    type: "commit",
  });
});

Deno.test("REDIRECT replaces every recipient with its address", () => {
  const d = withDispositions([
    { action: "redirect", address: "<abuse@example.org>" },
  ]);
  assert.deepEqual(openedEnvelope(d).recipients, ["abuse@example.org"]);
});

Deno.test("FILTER goes into the envelope; recipients stay", () => {
  const d = withDispositions([
    { action: "filter", transport: "smtp:[127.0.0.1]:10025" },
  ]);
  const envelope = openedEnvelope(d);
  assert.equal(envelope.filter, "smtp:[127.0.0.1]:10025");
  assert.deepEqual(envelope.recipients, [
    "friend@remote.example",
    "other@remote.example",
  ]);
});

Deno.test("the last FILTER and the last REDIRECT count, as in Postfix", () => {
  assert.deepEqual(
    envelopeDispositions([
      { action: "filter", transport: "smtp:[127.0.0.1]:1" },
      { action: "redirect", address: "a@example.org" },
      { action: "filter", transport: "relay:[127.0.0.1]:2" },
      { action: "redirect", address: "b@example.org" },
    ]),
    { redirect: "b@example.org", filter: "relay:[127.0.0.1]:2" },
  );
});

Deno.test("FILTER from end-of-data restrictions is logged as ignored; HOLD still applies", () => {
  const d = inMail({ smtpd_end_of_data_restrictions: ["permit"] });
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  d.send({ type: "data-begun", queueId: "4QID" });
  d.restrictions = () => ({
    refusal: null,
    warnings: [],
    dispositions: [
      { action: "filter", transport: "smtp:[127.0.0.1]:10025" },
      { action: "hold", reason: "" },
    ],
  });
  d.send({ type: "data-end", summary: cleanData() });
  assert.ok(
    d.logs().some((l) =>
      l.includes("FILTER action from smtpd_end_of_data_restrictions ignored")
    ),
    d.logs().join("\n"),
  );
  assert.deepEqual(d.actions.find((a) => a.type === "commit"), {
    type: "commit",
    hold: true,
  });
});
