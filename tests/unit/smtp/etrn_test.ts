import assert from "node:assert/strict";
import { connected, inMail } from "./session_driver.ts";

Deno.test("ETRN example.com asks for a flush of the site and says 250 Queuing started", () => {
  const d = connected();
  d.command("EHLO client.example");
  assert.deepEqual(d.command("ETRN example.com"), []);
  assert.deepEqual(d.actions, [{ type: "flush-site", site: "example.com" }]);
  assert.deepEqual(
    d.send({ type: "flush-site-result", site: "example.com", queued: true }),
    ["250 Queuing started"],
  );
  assert.deepEqual(d.session.counts.etrn, { ok: 1, total: 1 });
});

Deno.test("ETRN @domain and #domain flush the domain, as Postfix reads them", () => {
  for (const argument of ["@example.com", "#example.com"]) {
    const d = connected();
    d.command(`ETRN ${argument}`);
    assert.deepEqual(d.actions, [{ type: "flush-site", site: "example.com" }]);
  }
});

Deno.test("ETRN refusals: syntax, parameter, transaction, no queue manager", () => {
  const d = connected();
  assert.deepEqual(d.command("ETRN"), ["500 5.5.2 Syntax: ETRN domain"]);
  assert.deepEqual(d.command("ETRN a.example b.example"), [
    "500 5.5.2 Syntax: ETRN domain",
  ]);
  assert.deepEqual(d.command("ETRN exa!mple.com"), [
    "501 5.5.4 Error: invalid parameter syntax",
  ]);
  assert.deepEqual(inMail().command("ETRN example.com"), [
    "503 5.5.1 Error: MAIL transaction in progress",
  ]);
  d.command("ETRN example.com");
  assert.deepEqual(
    d.send({ type: "flush-site-result", site: "example.com", queued: false }),
    ["458 Unable to queue messages"],
  );
  assert.match(d.logs()[0], /warning|ETRN example\.com from localhost/);
  assert.equal(d.session.errors, 4);
});

Deno.test("EHLO offers ETRN and HELP lists it", () => {
  const d = connected();
  assert.match(d.command("EHLO client.example")[0], /\n250-ETRN\n/);
  assert.match(d.command("HELP")[0], / ETRN /);
});
