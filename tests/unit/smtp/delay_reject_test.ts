/**
 * smtpd_delay_reject = no in the session: the client list decides before
 * the banner, the HELO list at HELO/EHLO, as Postfix does.
 */
import assert from "node:assert/strict";
import { SessionDriver } from "./session_driver.ts";
import { testConfig } from "./test_config.ts";
import type { RestrictionVerdict } from "../../../src/policy/restrictions/mod.ts";

const OUTSIDE = { name: "unknown", address: "192.0.2.9" };
const NO_DELAY = {
  smtpd_delay_reject: false,
  smtpd_client_restrictions: ["reject_unknown_client_hostname"],
  smtpd_helo_restrictions: ["reject_non_fqdn_helo_hostname"],
};

const PERMIT: RestrictionVerdict = {
  refusal: null,
  warnings: [],
  dispositions: [],
};

function refusal(code: number, dsn: string, text: string): RestrictionVerdict {
  return { ...PERMIT, refusal: { code, dsn, text } };
}

/** A driver whose restriction lists answer `verdict` for `stage`. */
function driver(stage: string, verdict: RestrictionVerdict, overrides = {}) {
  const d = new SessionDriver(testConfig({ ...NO_DELAY, ...overrides }));
  d.restrictions = (s) => s.pendingCheck?.stage === stage ? verdict : PERMIT;
  return d;
}

Deno.test("connect: a refused client gets the refusal instead of the banner", () => {
  const d = driver(
    "connect",
    refusal(450, "4.7.25", "Client host rejected: cannot find your hostname"),
  );
  assert.deepEqual(
    d.send({ type: "connect", client: OUTSIDE, activeSessions: 0 }),
    ["450 4.7.25 Client host rejected: cannot find your hostname"],
  );
  assert.equal(d.checked?.stage, "connect");
  assert.match(
    d.logs().join("\n"),
    /NOQUEUE: reject: CONNECT from unknown\[192\.0\.2\.9\]: 450 4\.7\.25/,
  );
  for (
    const line of ["EHLO client.example", "MAIL FROM:<a@b.example>", "NOOP"]
  ) {
    assert.deepEqual(d.command(line), [
      "503 5.7.0 Error: access denied for unknown[192.0.2.9]",
    ]);
  }
  assert.deepEqual(d.command("QUIT"), ["221 2.0.0 Bye"]);
});

Deno.test("connect: a permitted client gets the banner after the check", () => {
  const d = driver("connect", PERMIT);
  const replies = d.send({
    type: "connect",
    client: OUTSIDE,
    activeSessions: 0,
  });
  assert.equal(d.checked?.stage, "connect");
  assert.equal(replies.length, 1);
  assert.match(replies[0], /^220 /);
});

Deno.test("with smtpd_delay_reject = yes nothing is checked before the banner", () => {
  const d = driver("connect", refusal(554, "5.7.1", "no"), {
    smtpd_delay_reject: true,
  });
  const replies = d.send({
    type: "connect",
    client: OUTSIDE,
    activeSessions: 0,
  });
  assert.equal(d.checked, null);
  assert.match(replies[0], /^220 /);
});

Deno.test("HELO: a refused name is the HELO reply and is not kept", () => {
  const d = driver(
    "helo",
    refusal(
      504,
      "5.5.2",
      "<bogus>: Helo command rejected: need fully-qualified hostname",
    ),
  );
  d.send({ type: "connect", client: OUTSIDE, activeSessions: 0 });
  assert.deepEqual(d.command("EHLO bogus"), [
    "504 5.5.2 <bogus>: Helo command rejected: need fully-qualified hostname",
  ]);
  assert.equal(d.checked?.stage, "helo");
  assert.equal(d.checked?.helo, "bogus", "the list sees the name given");
  assert.match(
    d.logs().join("\n"),
    /reject: HELO from unknown\[192\.0\.2\.9\]: 504 5\.5\.2 .*helo=<bogus>/,
  );
  assert.equal(d.session.helo, null);
  assert.deepEqual(d.command("MAIL FROM:<a@b.example>"), [
    "503 5.5.1 Error: send HELO/EHLO first",
  ]);
});

Deno.test("HELO: a permitted name gets the normal EHLO reply", () => {
  const d = driver("helo", PERMIT);
  d.send({ type: "connect", client: OUTSIDE, activeSessions: 0 });
  const [ehlo] = d.command("EHLO client.example");
  assert.match(ehlo, /^250-.*\n250-PIPELINING/s);
  assert.equal(d.session.helo, "client.example");
  assert.equal(d.session.protocol, "ESMTP");
});
