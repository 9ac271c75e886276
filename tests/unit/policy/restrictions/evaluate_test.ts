import assert from "node:assert/strict";
import {
  evaluateRestrictions,
  openRelayProblem,
  parseRestrictionList,
  replyText,
  type RestrictionListName,
  type RestrictionRequest,
  type RestrictionSettings,
  type RestrictionVerdict,
} from "../../../../src/policy/restrictions/mod.ts";
import { fakeLookups, type FakeWorld, rcptRequest } from "./fake_lookups.ts";

const EMPTY: Record<RestrictionListName, string> = {
  smtpd_client_restrictions: "",
  smtpd_helo_restrictions: "",
  smtpd_sender_restrictions: "",
  smtpd_relay_restrictions:
    "permit_mynetworks permit_sasl_authenticated reject_unauth_destination",
  smtpd_recipient_restrictions: "",
  smtpd_data_restrictions: "",
  smtpd_end_of_data_restrictions: "",
};

function settings(
  lists: Partial<Record<RestrictionListName, string>>,
  delayReject = true,
): RestrictionSettings {
  const all = { ...EMPTY, ...lists };
  const parsed = Object.fromEntries(
    Object.entries(all).map(([name, text]) => [
      name,
      parseRestrictionList(name, text.split(/[\s,]+/).filter((w) => w)),
    ]),
  ) as unknown as RestrictionSettings["lists"];
  return { lists: parsed, delayReject, parentMatches: true };
}

async function run(
  lists: Partial<Record<RestrictionListName, string>>,
  request: Partial<RestrictionRequest> = {},
  world: FakeWorld = {},
  delayReject = true,
): Promise<RestrictionVerdict & { asked: string[] }> {
  const lookups = fakeLookups(world);
  const verdict = await evaluateRestrictions(
    rcptRequest(request),
    settings(lists, delayReject),
    lookups,
  );
  return { ...verdict, asked: lookups.asked };
}

async function refusal(
  lists: Partial<Record<RestrictionListName, string>>,
  request: Partial<RestrictionRequest> = {},
  world: FakeWorld = {},
): Promise<string | null> {
  const v = await run(lists, request, world);
  return v.refusal === null ? null : replyText(v.refusal);
}

Deno.test("relay: refused for a stranger, permitted for mynetworks and SASL", async () => {
  const remote = { recipient: "carol@elsewhere.test" };
  assert.equal(
    await refusal({}, remote),
    "554 5.7.1 <carol@elsewhere.test>: Relay access denied",
  );
  assert.equal(await refusal({}, remote, { mynetworks: true }), null);
  assert.equal(
    await refusal({}, { ...remote, authenticatedUser: "alice" }),
    null,
  );
  assert.equal(await refusal({}, {}), null, "our own domain");
  assert.equal(
    await refusal({
      smtpd_relay_restrictions:
        "permit_pop_before_smtp defer_unauth_destination",
    }, remote),
    "450 4.7.1 <carol@elsewhere.test>: Relay access denied",
  );
  assert.equal(
    await refusal(
      {
        smtpd_relay_restrictions:
          "permit_pop_before_smtp reject_unauth_destination",
      },
      { ...remote, popBeforeSmtp: true },
    ),
    null,
  );
});

Deno.test("the first restriction that decides a list wins; permit goes on to the next list", async () => {
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "permit reject" }),
    null,
  );
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "reject permit" }),
    "554 5.7.1 <bob@example.org>: Recipient address rejected: Access denied",
  );
  // permit in the client list does not skip the recipient list.
  assert.equal(
    await refusal({
      smtpd_client_restrictions: "permit",
      smtpd_recipient_restrictions: "defer",
    }),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: Access denied",
  );
  assert.equal(
    await refusal({ smtpd_client_restrictions: "reject" }),
    "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied",
  );
});

Deno.test("smtpd_delay_reject: client, helo and sender lists run at RCPT, or at their own stage", async () => {
  const lists = {
    smtpd_client_restrictions: "reject",
    smtpd_sender_restrictions: "reject",
  };
  assert.equal((await run(lists, { stage: "connect" })).refusal, null);
  assert.equal((await run(lists, { stage: "mail" })).refusal, null);
  assert.match(
    replyText((await run(lists, { stage: "rcpt" })).refusal!),
    /Client host rejected/,
  );
  // Without delay (Postfix's smtpd_delay_reject = no): the client list
  // at connect, the HELO list at HELO, the sender list at MAIL.
  const connect = await run(lists, { stage: "connect" }, {}, false);
  assert.match(replyText(connect.refusal!), /Client host rejected/);
  const helo = await run(
    { smtpd_helo_restrictions: "reject" },
    { stage: "helo" },
    {},
    false,
  );
  assert.match(replyText(helo.refusal!), /Helo command rejected/);
  assert.equal(
    (await run(
      { smtpd_helo_restrictions: "reject" },
      { stage: "mail" },
      {},
      false,
    ))
      .refusal,
    null,
  );
  const sender = await run(
    { smtpd_sender_restrictions: "reject" },
    { stage: "mail" },
    {},
    false,
  );
  assert.equal(
    replyText(sender.refusal!),
    "554 5.7.1 <alice@example.com>: Sender address rejected: Access denied",
  );
  // Without delay, RCPT runs only the relay and recipient lists.
  assert.equal((await run(lists, {}, {}, false)).refusal, null);
});

Deno.test("data and end-of-data lists name their stage", async () => {
  const data = await run({ smtpd_data_restrictions: "reject" }, {
    stage: "data",
  });
  assert.equal(
    replyText(data.refusal!),
    "554 5.7.1 <DATA>: Data command rejected: Access denied",
  );
  const eod = await run({ smtpd_end_of_data_restrictions: "defer" }, {
    stage: "end-of-data",
  });
  assert.equal(
    replyText(eod.refusal!),
    "450 4.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied",
  );
});

Deno.test("warn_if_reject logs the reject and goes on", async () => {
  const v = await run({
    smtpd_recipient_restrictions:
      "warn_if_reject reject_non_fqdn_helo_hostname permit",
  }, { helo: "localhost" });
  assert.equal(v.refusal, null);
  assert.deepEqual(v.warnings, [{
    kind: "reject_warning",
    text:
      "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
  }]);
});

Deno.test("defer_if_permit and defer_if_reject", async () => {
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "defer_if_permit permit" }),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: defer_if_permit requested",
  );
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "defer_if_permit reject" }),
    "554 5.7.1 <bob@example.org>: Recipient address rejected: Access denied",
  );
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "defer_if_reject reject" }),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: defer_if_reject requested",
  );
  assert.equal(
    await refusal({ smtpd_recipient_restrictions: "defer_if_reject permit" }),
    null,
  );
});

Deno.test("HELO checks", async () => {
  const list = (r: string) => ({ smtpd_helo_restrictions: r });
  assert.equal(
    await refusal(list("reject_invalid_helo_hostname"), { helo: "bad_host-" }),
    "501 5.5.2 <bad_host->: Helo command rejected: Invalid name",
  );
  assert.equal(
    await refusal(list("reject_invalid_helo_hostname"), {
      helo: "[192.0.2.1]",
    }),
    null,
  );
  assert.equal(
    await refusal(list("reject_non_fqdn_helo_hostname"), { helo: "box" }),
    "504 5.5.2 <box>: Helo command rejected: need fully-qualified hostname",
  );
  const unknown = list("reject_unknown_helo_hostname");
  assert.equal(
    await refusal(unknown, { helo: "nowhere.test" }, {
      nxdomain: ["nowhere.test"],
    }),
    "450 4.7.1 <nowhere.test>: Helo command rejected: Host not found",
  );
  assert.equal(
    await refusal(unknown, { helo: "mx.test" }, {
      dns: { "A mx.test": ["192.0.2.9"] },
    }),
    null,
  );
  // A DNS failure defers only what would be permitted.
  assert.equal(
    await refusal(unknown, { helo: "slow.test" }, { tempfail: ["slow.test"] }),
    "450 4.7.1 <slow.test>: Helo command rejected: Host not found",
  );
});

Deno.test("sender and recipient address checks", async () => {
  assert.equal(
    await refusal(
      { smtpd_sender_restrictions: "reject_non_fqdn_sender" },
      { sender: "alice@localhost" },
    ),
    "504 5.5.2 <alice@localhost>: Sender address rejected: need fully-qualified address",
  );
  assert.equal(
    await refusal(
      { smtpd_sender_restrictions: "reject_non_fqdn_sender" },
      { sender: "" },
    ),
    null,
    "the null sender",
  );
  assert.equal(
    await refusal(
      { smtpd_recipient_restrictions: "reject_non_fqdn_recipient" },
      { recipient: "bob@box" },
      { mynetworks: true },
    ),
    "504 5.5.2 <bob@box>: Recipient address rejected: need fully-qualified address",
  );
  assert.equal(
    await refusal(
      { smtpd_sender_restrictions: "reject_unknown_sender_domain" },
      { sender: "x@gone.test" },
      { nxdomain: ["gone.test"] },
    ),
    "450 4.1.8 <x@gone.test>: Sender address rejected: Domain not found",
  );
  assert.equal(
    await refusal(
      { smtpd_sender_restrictions: "reject_unknown_sender_domain" },
      { sender: "x@mx.test" },
      { dns: { "MX mx.test": ["10 mail.mx.test"] } },
    ),
    null,
  );
  assert.equal(
    await refusal(
      {
        smtpd_relay_restrictions: "permit_mynetworks reject_unauth_destination",
        smtpd_recipient_restrictions: "reject_unknown_recipient_domain",
      },
      { recipient: "y@gone.test" },
      { nxdomain: ["gone.test"], mynetworks: true },
    ),
    "450 4.1.2 <y@gone.test>: Recipient address rejected: Domain not found",
  );
  const unknownUser = {
    code: 550,
    dsn: "5.1.1",
    text:
      "<nobody@example.org>: Recipient address rejected: User unknown in local recipient table",
  };
  assert.equal(
    await refusal(
      { smtpd_recipient_restrictions: "reject_unlisted_recipient" },
      { recipient: "nobody@example.org" },
      { unlisted: { "nobody@example.org": unknownUser } },
    ),
    replyText(unknownUser),
  );
});

Deno.test("client host name checks", async () => {
  assert.equal(
    await refusal({
      smtpd_client_restrictions: "reject_unknown_client_hostname",
    }),
    "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]",
  );
  assert.equal(
    await refusal(
      { smtpd_client_restrictions: "reject_unknown_client_hostname" },
      { clientName: "mail.example.com", reverseClientName: "mail.example.com" },
    ),
    null,
  );
  assert.equal(
    await refusal(
      { smtpd_client_restrictions: "reject_unknown_reverse_client_hostname" },
      { reverseClientName: "forged.example.com" },
    ),
    null,
  );
  assert.equal(
    await refusal({
      smtpd_client_restrictions: "reject_unknown_reverse_client_hostname",
    }),
    "450 4.7.25 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
  );
});

Deno.test("reject_unauth_pipelining refuses a client that pipelined without EHLO", async () => {
  const list = { smtpd_recipient_restrictions: "reject_unauth_pipelining" };
  assert.equal(
    await refusal(list, { pipelined: true, ehlo: false }),
    "503 5.5.0 <bob@example.org>: Recipient address rejected: Improper use of SMTP command pipelining",
  );
  assert.equal(await refusal(list, { pipelined: true, ehlo: true }), null);
  assert.equal(await refusal(list, { pipelined: false, ehlo: false }), null);
});

Deno.test("reject_rbl_client: a listed address, a miss, and a result filter", async () => {
  const dns = {
    "A 1.2.0.192.zen.example": ["127.0.0.2"],
    "TXT 1.2.0.192.zen.example": ["listed, see https://zen.example/"],
  };
  const list = { smtpd_client_restrictions: "reject_rbl_client zen.example" };
  assert.equal(
    await refusal(list, {}, { dns }),
    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.example; listed, see https://zen.example/",
  );
  assert.equal(
    await refusal(list, { clientAddress: "192.0.2.2" }, { dns }),
    null,
  );
  assert.equal(
    await refusal(
      { smtpd_client_restrictions: "reject_rbl_client zen.example=127.0.0.4" },
      {},
      { dns },
    ),
    null,
  );
  const v6 = await run(
    { smtpd_client_restrictions: "reject_rbl_client zen.example" },
    { clientAddress: "2001:db8::1" },
  );
  assert.ok(
    v6.asked.includes(
      "A 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example",
    ),
  );
});

Deno.test("reject_rhsbl_sender and reject_rhsbl_helo", async () => {
  const dns = {
    "A example.com.dbl.example": ["127.0.1.2"],
    "A mail.example.com.dbl.example": ["127.0.1.2"],
  };
  assert.equal(
    await refusal(
      { smtpd_sender_restrictions: "reject_rhsbl_sender dbl.example" },
      {},
      { dns },
    ),
    "554 5.7.1 Service unavailable; Sender address [example.com] blocked using dbl.example",
  );
  assert.equal(
    await refusal(
      { smtpd_helo_restrictions: "reject_rhsbl_helo dbl.example" },
      {},
      { dns },
    ),
    "554 5.7.1 Service unavailable; Helo command [mail.example.com] blocked using dbl.example",
  );
});

Deno.test("check_client_access asks name, parents, address, networks in order", async () => {
  const v = await run(
    { smtpd_client_restrictions: "check_client_access hash:/a" },
    { clientName: "mx.mail.example.com" },
  );
  assert.deepEqual(v.asked, [
    "hash:/a mx.mail.example.com",
    "hash:/a mail.example.com",
    "hash:/a example.com",
    "hash:/a com",
    "hash:/a 192.0.2.1",
    "hash:/a 192.0.2",
    "hash:/a 192.0",
    "hash:/a 192",
  ]);
  assert.equal(
    await refusal(
      { smtpd_client_restrictions: "check_client_access hash:/a" },
      {},
      { tables: { "hash:/a": { "192.0.2": "REJECT go away" } } },
    ),
    "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: go away",
  );
});

Deno.test("check_sender_access asks user@domain, domain, parents, user@", async () => {
  const v = await run(
    { smtpd_sender_restrictions: "check_sender_access hash:/s" },
    { sender: "Alice@Mail.Example.com" },
  );
  assert.deepEqual(v.asked, [
    "hash:/s alice@mail.example.com",
    "hash:/s mail.example.com",
    "hash:/s example.com",
    "hash:/s com",
    "hash:/s alice@",
  ]);
  const nullSender = await run(
    { smtpd_sender_restrictions: "check_sender_access hash:/s" },
    { sender: "" },
  );
  assert.deepEqual(nullSender.asked, ["hash:/s <>"]);
});

Deno.test("access table actions", async () => {
  const table = (value: string) => ({
    tables: { "hash:/r": { "bob@example.org": value } },
  });
  const list = {
    smtpd_recipient_restrictions: "check_recipient_access hash:/r reject",
  };
  assert.equal(await refusal(list, {}, table("OK")), null);
  assert.equal(await refusal(list, {}, table("1234")), null, "a number is OK");
  assert.match((await refusal(list, {}, table("DUNNO")))!, /Access denied/);
  assert.equal(
    await refusal(list, {}, table("DEFER try later")),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: try later",
  );
  assert.equal(
    await refusal(list, {}, table("550 5.1.1 no such user")),
    "550 5.1.1 <bob@example.org>: Recipient address rejected: no such user",
  );
  assert.equal(
    await refusal(list, {}, table("421 closing")),
    "421 4.7.1 <bob@example.org>: Recipient address rejected: closing",
  );
  const warn = await run(list, {}, table("WARN look at this"));
  assert.deepEqual(warn.warnings, [{ kind: "warn", text: "look at this" }]);
  const discard = await run(list, {}, table("DISCARD spam"));
  assert.equal(discard.refusal, null);
  assert.deepEqual(discard.dispositions, [{
    action: "discard",
    reason: "spam",
  }]);
  const hold = await run(
    { smtpd_recipient_restrictions: "check_recipient_access hash:/r permit" },
    {},
    table("HOLD"),
  );
  assert.deepEqual(hold.dispositions, [{ action: "hold", reason: "" }]);
  // A restriction list as the action.
  assert.equal(
    await refusal(
      list,
      { helo: "box" },
      table("reject_non_fqdn_helo_hostname, permit"),
    ),
    "504 5.5.2 <box>: Helo command rejected: need fully-qualified hostname",
  );
  assert.equal(
    await refusal(list, { helo: "box" }, table("permit_mynetworks")),
    "554 5.7.1 <bob@example.org>: Recipient address rejected: Access denied",
  );
  assert.equal(
    await refusal(list, {}, table("no_such_restriction")),
    "451 4.3.5 Server configuration problem",
  );
  assert.equal(
    await refusal({
      smtpd_recipient_restrictions: "check_recipient_access hash:/broken",
    }),
    "451 4.3.0 Temporary lookup failure",
  );
});

Deno.test("check_policy_service: the action= reply decides", async () => {
  let seen: RestrictionRequest | undefined;
  const v = await run(
    { smtpd_recipient_restrictions: "check_policy_service inet:127.0.0.1:1" },
    {},
    {
      policy: (endpoint, r) => {
        seen = r;
        assert.equal(endpoint, "inet:127.0.0.1:1");
        return "DEFER_IF_PERMIT Greylisted, see http://postgrey.example/";
      },
    },
  );
  assert.equal(seen?.recipient, "bob@example.org");
  assert.equal(
    replyText(v.refusal!),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.example/",
  );
});

Deno.test("a policy text that starts with a status code keeps it (postgrey's 4.2.0)", async () => {
  assert.equal(
    await refusal(
      { smtpd_recipient_restrictions: "check_policy_service inet:127.0.0.1:1" },
      {},
      { policy: () => "DEFER_IF_PERMIT 4.2.0 Greylisted, see x" },
    ),
    "450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see x",
  );
  assert.equal(
    await refusal(
      { smtpd_recipient_restrictions: "check_policy_service inet:127.0.0.1:1" },
      {},
      { policy: () => "REJECT 4.2.0 wrong class is text" },
    ),
    "554 5.7.1 <bob@example.org>: Recipient address rejected: 4.2.0 wrong class is text",
  );
});

Deno.test("check_greylist defers a new triplet", async () => {
  const list = { smtpd_recipient_restrictions: "check_greylist" };
  assert.equal(
    await refusal(list, {}, { greylist: "defer" }),
    "450 4.7.1 <bob@example.org>: Recipient address rejected: Greylisted, try again later",
  );
  assert.equal(await refusal(list, {}, { greylist: "pass" }), null);
});

Deno.test("parseRestrictionList groups arguments and refuses mistakes", () => {
  assert.deepEqual(
    parseRestrictionList("x", [
      "permit_mynetworks",
      "check_client_access",
      "hash:/a",
      "REJECT_RBL_CLIENT",
      "zen.example",
    ]),
    [
      { name: "permit_mynetworks", args: [] },
      { name: "check_client_access", args: ["hash:/a"] },
      { name: "reject_rbl_client", args: ["zen.example"] },
    ],
  );
  assert.throws(
    () =>
      parseRestrictionList("smtpd_relay_restrictions", ["permit_mynetwork"]),
    /smtpd_relay_restrictions: unknown restriction "permit_mynetwork"/,
  );
  assert.throws(
    () => parseRestrictionList("x", ["reject_rbl_client"]),
    /needs an argument/,
  );
  assert.throws(
    () => parseRestrictionList("x", ["check_sender_access", "reject"]),
    /needs a lookup table/,
  );
  assert.throws(
    () => parseRestrictionList("x", ["permit", "warn_if_reject"]),
    /must be followed/,
  );
  assert.throws(
    () =>
      parseRestrictionList("x", ["check_policy_service", "127.0.0.1:10023"]),
    /needs "inet:host:port" or "unix:\/path"/,
  );
});

Deno.test("openRelayProblem refuses relay rules without a guard", () => {
  const p = (words: string) =>
    parseRestrictionList("x", words.split(" ").filter((w) => w));
  assert.equal(
    openRelayProblem(p("permit_mynetworks reject_unauth_destination"), p("")),
    null,
  );
  assert.equal(openRelayProblem(p(""), p("permit_mynetworks reject")), null);
  assert.match(
    openRelayProblem(p("permit_mynetworks"), p("permit_mynetworks"))!,
    /specify at least one working instance of: reject_unauth_destination/,
  );
  assert.notEqual(
    openRelayProblem(p("warn_if_reject reject_unauth_destination"), p("")),
    null,
  );
});

Deno.test("reject_sender_login_mismatch: owners may send, others are refused as Postfix refuses them", async () => {
  const world: FakeWorld = {
    senderOwners: {
      "alice@example.com": ["alice@example.com", "boss"],
      "bob@example.com": ["admin"],
    },
  };
  const lists = { smtpd_sender_restrictions: "reject_sender_login_mismatch" };
  const as = (user: string | null, sender: string) =>
    refusal(lists, { authenticatedUser: user, sender }, world);
  assert.equal(await as("alice@example.com", "alice@example.com"), null);
  assert.equal(await as("BOSS", "alice@example.com"), null);
  assert.equal(
    await as("admin", "alice@example.com"),
    "553 5.7.1 <alice@example.com>: Sender address rejected: not owned by user admin",
  );
  assert.equal(
    await as(null, "bob@example.com"),
    "553 5.7.1 <bob@example.com>: Sender address rejected: not logged in",
  );
  // Unlisted: free for clients that did not log in, not for those that did.
  assert.equal(await as(null, "carol@other.example"), null);
  assert.equal(
    await as("alice@example.com", "carol@other.example"),
    "553 5.7.1 <carol@other.example>: Sender address rejected: not owned by user alice@example.com",
  );
  assert.equal(await as("alice@example.com", ""), null);
});
