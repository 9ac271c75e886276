import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import {
  relayDecision,
  usesPopBeforeSmtp,
} from "../../../src/smtp/relay_restrictions.ts";
import { serveSmtpConnection } from "../../../src/smtp/connection.ts";
import { SessionDriver } from "./session_driver.ts";
import {
  collectMaillog,
  FakeQueue,
  ScriptedStream,
  verifierFor,
} from "./fakes.ts";
import { testConfig } from "./test_config.ts";

const WITH_POP = [
  "permit_mynetworks",
  "permit_pop_before_smtp",
  "reject_unauth_destination",
];
const OUTSIDE = { name: "unknown", address: "192.0.2.9" };

Deno.test("relayDecision: first permit or reject wins, in list order", () => {
  const none = { inMynetworks: false, popBeforeSmtp: false };
  const pop = { inMynetworks: false, popBeforeSmtp: true };
  const mynet = { inMynetworks: true, popBeforeSmtp: false };
  assert.equal(relayDecision(WITH_POP, none).verdict, "reject");
  assert.equal(relayDecision(WITH_POP, pop).verdict, "permit");
  assert.equal(relayDecision(WITH_POP, mynet).verdict, "permit");
  const rejectFirst = ["reject_unauth_destination", "permit_mynetworks"];
  assert.equal(relayDecision(rejectFirst, mynet).verdict, "reject");
  assert.equal(
    relayDecision(["permit_mynetworks", "reject_unauth_destination"], pop)
      .verdict,
    "reject",
    "pop-before-smtp counts only when listed",
  );
});

Deno.test("relayDecision: an empty or undecided list rejects (never an open relay)", () => {
  const both = { inMynetworks: true, popBeforeSmtp: true };
  assert.equal(relayDecision([], both).verdict, "reject");
  assert.equal(
    relayDecision(["permit_pop_before_smtp"], { ...both, popBeforeSmtp: false })
      .verdict,
    "reject",
  );
});

Deno.test("relayDecision: an unknown item is a configuration error, items are case-blind", () => {
  const facts = { inMynetworks: true, popBeforeSmtp: false };
  assert.deepEqual(relayDecision(["check_client_access"], facts), {
    verdict: "misconfigured",
    item: "check_client_access",
  });
  assert.equal(relayDecision([" Permit_MyNetworks "], facts).verdict, "permit");
  assert.equal(usesPopBeforeSmtp(WITH_POP), true);
  assert.equal(usesPopBeforeSmtp(["permit_mynetworks"]), false);
});

Deno.test("relayDecision: permit_sasl_authenticated permits a logged-in client, reject rejects", () => {
  const facts = { inMynetworks: false, popBeforeSmtp: false };
  const list = ["permit_sasl_authenticated", "reject"];
  assert.equal(relayDecision(list, facts).verdict, "reject");
  assert.equal(
    relayDecision(list, { ...facts, saslAuthenticated: true }).verdict,
    "permit",
  );
});

/** A session from `client` inside a transaction, with the connect flag. */
function inMail(
  overrides: Partial<Config>,
  popBeforeSmtp: boolean | undefined,
  client = OUTSIDE,
): SessionDriver {
  const d = new SessionDriver(testConfig(overrides));
  d.send({ type: "connect", client, activeSessions: 0, popBeforeSmtp });
  d.command("EHLO client.example");
  d.command("MAIL FROM:<sender@client.example>");
  return d;
}

Deno.test("session: a pop-before-smtp client may relay when the list permits it", () => {
  const d = inMail({ smtpd_relay_restrictions: WITH_POP }, true);
  assert.deepEqual(d.command("RCPT TO:<friend@remote.example>"), [
    "250 2.1.5 Ok",
  ]);
  assert.deepEqual(d.session.transaction?.recipients, [
    "friend@remote.example",
  ]);
});

Deno.test("session: without a recent login, or with the item unlisted, relay is denied", () => {
  for (
    const [restrictions, flag] of [
      [WITH_POP, false],
      [WITH_POP, undefined],
      [["permit_mynetworks", "reject_unauth_destination"], true],
    ] as const
  ) {
    const d = inMail({ smtpd_relay_restrictions: restrictions }, flag);
    assert.deepEqual(d.command("RCPT TO:<friend@remote.example>"), [
      "554 5.7.1 <friend@remote.example>: Relay access denied",
    ], `${restrictions} ${flag}`);
  }
});

Deno.test("session: mynetworks relays only while permit_mynetworks is listed", () => {
  const inside = { name: "localhost", address: "127.0.0.1" };
  const listed = inMail({}, false, inside);
  assert.match(listed.command("RCPT TO:<f@remote.example>")[0], /^250 /);
  const unlisted = inMail(
    { smtpd_relay_restrictions: ["reject_unauth_destination"] },
    false,
    inside,
  );
  assert.match(
    unlisted.command("RCPT TO:<f@remote.example>")[0],
    /^554 5\.7\.1/,
  );
});

Deno.test("session: local recipients never consult the relay restrictions", () => {
  const d = inMail({ smtpd_relay_restrictions: [] }, false);
  d.command("RCPT TO:<alice@example.org>");
  assert.deepEqual(d.kinds(), ["verify-recipient"]);
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    ["250 2.1.5 Ok"],
  );
  assert.deepEqual(d.command("RCPT TO:<postmaster>"), ["250 2.1.5 Ok"]);
});

Deno.test("session: relay tricks are relaying, and pop-before-smtp lets them through as any relay", () => {
  const trick = "victim%remote.example@example.org";
  const denied = inMail({ smtpd_relay_restrictions: WITH_POP }, false);
  assert.match(denied.command(`RCPT TO:<${trick}>`)[0], /^554 5\.7\.1/);
  const permitted = inMail({ smtpd_relay_restrictions: WITH_POP }, true);
  assert.deepEqual(permitted.command(`RCPT TO:<${trick}>`), ["250 2.1.5 Ok"]);
  assert.deepEqual(permitted.kinds(), ["reply"], "never looked up as local");
});

Deno.test("session: an unknown restriction answers 451 4.3.5 and logs a warning", () => {
  const d = inMail({ smtpd_relay_restrictions: ["permit_bogus"] }, true);
  assert.deepEqual(d.command("RCPT TO:<f@remote.example>"), [
    "451 4.3.5 Server configuration error",
  ]);
  assert.match(
    d.logs()[0],
    /unknown smtpd_relay_restrictions item "permit_bogus"/,
  );
  assert.equal(d.session.transaction?.recipients.length, 0);
});

async function relayOverConnection(
  restrictions: readonly string[],
  popBeforeSmtp?: (address: string) => boolean,
): Promise<{ output: string; log: string[] }> {
  const stream = new ScriptedStream([
    "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<f@remote.example>\r\nQUIT\r\n",
  ]);
  const queue = new FakeQueue();
  const log = await collectMaillog(() =>
    serveSmtpConnection(stream, {
      config: () => testConfig({ smtpd_relay_restrictions: restrictions }),
      enqueue: queue.open,
      verifyRecipient: verifierFor("alice"),
      popBeforeSmtp,
    }, "192.0.2.9")
  );
  return { output: stream.output(), log };
}

Deno.test("connection: the store is asked once, for the client's address, at connect", async () => {
  const asked: string[] = [];
  const { output } = await relayOverConnection(WITH_POP, (address) => {
    asked.push(address);
    return address === "192.0.2.9";
  });
  assert.deepEqual(asked, ["192.0.2.9"]);
  assert.match(output, /\r\n250 2\.1\.5 Ok\r\n/);
});

Deno.test("connection: the store is not asked when the list cannot use it; a failing store permits nothing", async () => {
  let asked = 0;
  const unused = await relayOverConnection(
    ["permit_mynetworks", "reject_unauth_destination"],
    () => ++asked > 0,
  );
  assert.equal(asked, 0);
  assert.match(unused.output, /\r\n554 5\.7\.1 /);
  const failing = await relayOverConnection(WITH_POP, () => {
    throw new Error("database is locked");
  });
  assert.match(failing.output, /\r\n554 5\.7\.1 /);
  assert.ok(
    failing.log.some((l) =>
      /pop-before-smtp lookup for 192\.0\.2\.9 failed: database is locked/
        .test(l)
    ),
    failing.log.join("\n"),
  );
});
