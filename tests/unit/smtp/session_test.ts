import assert from "node:assert/strict";
import { newSession, step } from "../../../src/smtp/session.ts";
import {
  cleanData,
  connected,
  inData,
  inMail,
  SessionDriver,
} from "./session_driver.ts";
import { testConfig } from "./test_config.ts";

const OUTSIDE = { name: "unknown", address: "192.0.2.9" };

// --- connection ---------------------------------------------------------

Deno.test("connect: greeting with the banner, connect line logged", () => {
  const d = new SessionDriver(testConfig());
  const replies = d.send({
    type: "connect",
    client: { name: "localhost", address: "127.0.0.1" },
    activeSessions: 99,
  });
  assert.deepEqual(replies, ["220 mx.example.org ESMTP mailsrv"]);
  assert.deepEqual(d.logs(), ["smtpd: connect from localhost[127.0.0.1]"]);
  assert.equal(d.session.phase, "command");
  assert.equal(d.session.clientInMynetworks, true);
});

Deno.test("connect beyond default_process_limit: 421 4.7.0 and close", () => {
  const d = new SessionDriver(testConfig({ default_process_limit: 3 }));
  const replies = d.send({
    type: "connect",
    client: OUTSIDE,
    activeSessions: 3,
  });
  assert.deepEqual(replies, [
    "421 4.7.0 mx.example.org Error: too many connections",
  ]);
  assert.equal(d.kinds().at(-1), "close");
  assert.equal(d.session.phase, "closed");
  assert.ok(
    d.logs().includes("smtpd: disconnect from unknown[192.0.2.9] commands=0"),
  );
});

Deno.test("events out of phase are adapter bugs and throw", () => {
  const policy = testConfig();
  assert.throws(
    () => step(newSession(), { type: "command", line: "NOOP" }, policy),
    /"command" in phase "connecting"/,
  );
  const d = connected();
  assert.throws(
    () => d.send({ type: "queued" }),
    /"queued" in phase "command"/,
  );
  d.command("QUIT");
  assert.throws(() => d.command("NOOP"), /phase "closed"/);
});

// --- HELO / EHLO --------------------------------------------------------

Deno.test("EHLO lists the extensions offered", () => {
  const d = connected();
  assert.deepEqual(d.command("EHLO client.example"), [
    "250-mx.example.org\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 DSN",
  ]);
  assert.equal(d.session.helo, "client.example");
  assert.equal(d.session.protocol, "ESMTP");
});

Deno.test("EHLO says SIZE without a number when there is no limit", () => {
  const d = connected({ message_size_limit: 0 });
  assert.match(d.command("EHLO x")[0], /\n250-SIZE\n/);
});

Deno.test("HELO answers with the host name only and sets protocol SMTP", () => {
  const d = connected();
  assert.deepEqual(d.command("helo client.example"), ["250 mx.example.org"]);
  assert.equal(d.session.protocol, "SMTP");
});

Deno.test("HELO and EHLO need an argument", () => {
  const d = connected();
  assert.deepEqual(d.command("EHLO"), ["501 5.5.4 Syntax: EHLO hostname"]);
  assert.deepEqual(d.command("HELO   "), ["501 5.5.4 Syntax: HELO hostname"]);
  assert.equal(d.session.helo, null);
});

Deno.test("EHLO ends a transaction under way", () => {
  const d = inMail();
  d.command("EHLO again.example");
  assert.equal(d.session.transaction, null);
  assert.deepEqual(d.command("RCPT TO:<u@example.org>"), [
    "503 5.5.1 Error: need MAIL command",
  ]);
});

// --- sequence errors ------------------------------------------------------

Deno.test("sequence errors (RFC 5321 4.1.4)", () => {
  const d = connected();
  assert.deepEqual(d.command("MAIL FROM:<a@b.example>"), [
    "503 5.5.1 Error: send HELO/EHLO first",
  ]);
  assert.deepEqual(d.command("RCPT TO:<u@example.org>"), [
    "503 5.5.1 Error: need MAIL command",
  ]);
  assert.deepEqual(d.command("DATA"), ["503 5.5.1 Error: need RCPT command"]);
  d.command("EHLO x");
  assert.deepEqual(d.command("DATA"), ["503 5.5.1 Error: need RCPT command"]);
  d.command("MAIL FROM:<a@b.example>");
  assert.deepEqual(d.command("MAIL FROM:<a@b.example>"), [
    "503 5.5.1 Error: nested MAIL command",
  ]);
  assert.deepEqual(d.command("DATA"), ["554 5.5.1 Error: no valid recipients"]);
});

// --- MAIL -----------------------------------------------------------------

Deno.test("MAIL FROM accepts a sender, the null sender, and Postfix's leniencies", () => {
  for (
    const [line, sender] of [
      ["MAIL FROM:<a@B.Example>", "a@b.example"],
      ["mail from:<>", ""],
      ["MAIL FROM: <a@b.example>", "a@b.example"],
      ["MAIL FROM:a@b.example", "a@b.example"],
      ["MAIL FROM:<joe>", "joe@example.org"],
      ["MAIL FROM:<@relay.example:a@b.example>", "a@b.example"],
    ]
  ) {
    const d = connected();
    d.command("EHLO x");
    assert.deepEqual(d.command(line), ["250 2.1.0 Ok"], line);
    assert.equal(d.session.transaction?.sender, sender, line);
  }
});

Deno.test("MAIL FROM syntax errors", () => {
  const d = connected();
  d.command("EHLO x");
  assert.deepEqual(d.command("MAIL"), [
    "501 5.5.4 Syntax: MAIL FROM:<address>",
  ]);
  assert.deepEqual(d.command("MAIL TO:<a@b>"), [
    "501 5.5.4 Syntax: MAIL FROM:<address>",
  ]);
  assert.deepEqual(d.command("MAIL FROM:<a@b"), [
    "501 5.1.7 Bad sender address syntax",
  ]);
  assert.deepEqual(d.command("MAIL FROM:<a b@c>"), [
    "501 5.1.7 Bad sender address syntax",
  ]);
  assert.deepEqual(d.command("MAIL FROM:<a@b> XYZ=1"), [
    "555 5.5.4 Unsupported option: XYZ=1",
  ]);
  assert.equal(d.session.transaction, null);
});

Deno.test("MAIL FROM SIZE= over the limit is refused; BODY= is kept", () => {
  const d = connected({ message_size_limit: 1000 });
  d.command("EHLO x");
  assert.deepEqual(d.command("MAIL FROM:<a@b> SIZE=1001"), [
    "552 5.3.4 Message size exceeds fixed limit",
  ]);
  assert.deepEqual(d.command("MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME"), [
    "250 2.1.0 Ok",
  ]);
  assert.equal(d.session.transaction?.bodyType, "8BITMIME");
});

// --- RCPT -----------------------------------------------------------------

Deno.test("RCPT TO syntax errors", () => {
  const d = inMail();
  assert.deepEqual(d.command("RCPT"), ["501 5.5.4 Syntax: RCPT TO:<address>"]);
  assert.deepEqual(d.command("RCPT FROM:<a@b>"), [
    "501 5.5.4 Syntax: RCPT TO:<address>",
  ]);
  assert.deepEqual(d.command("RCPT TO:<>"), [
    "501 5.1.3 Bad recipient address syntax",
  ]);
  assert.deepEqual(d.command("RCPT TO:<a@-b>"), [
    "501 5.1.3 Bad recipient address syntax",
  ]);
  assert.deepEqual(d.command("RCPT TO:<a@b.example> XFORWARD=1"), [
    "555 5.5.4 Unsupported option: XFORWARD=1",
  ]);
  assert.deepEqual(d.command("RCPT TO:<a@b.example> NOTIFY=ALWAYS"), [
    "501 5.5.4 Error: Bad NOTIFY parameter syntax",
  ]);
});

Deno.test("a local recipient is verified; the verdict decides", () => {
  const d = inMail();
  assert.deepEqual(d.command("RCPT TO:<Alice@EXAMPLE.org>"), []);
  assert.deepEqual(d.actions, [{
    type: "verify-recipient",
    address: "Alice@example.org",
  }]);
  assert.equal(d.session.phase, "verifying");
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    ["250 2.1.5 Ok"],
  );
  assert.deepEqual(d.session.transaction?.recipients, ["Alice@example.org"]);

  d.command("RCPT TO:<mallory@localhost>");
  const replies = d.send({
    type: "recipient-verdict",
    verdict: {
      ok: false,
      code: 550,
      dsn: "5.1.1",
      text: "Recipient address rejected: User unknown in local recipient table",
    },
  });
  assert.deepEqual(replies, [
    "550 5.1.1 <mallory@localhost>: Recipient address rejected: User unknown in local recipient table",
  ]);
  assert.deepEqual(d.logs(), [
    "smtpd: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <mallory@localhost>: Recipient address rejected: User unknown in local recipient table; from=<sender@client.example> to=<mallory@localhost> proto=ESMTP helo=<client.example>",
  ]);
  assert.deepEqual(d.session.transaction?.recipients, ["Alice@example.org"]);
});

Deno.test("an unqualified recipient is qualified with myorigin before verification", () => {
  const d = inMail();
  d.command("RCPT TO:<alice>");
  assert.deepEqual(d.actions, [{
    type: "verify-recipient",
    address: "alice@example.org",
  }]);
});

Deno.test("postmaster is always accepted without a lookup (RFC 5321 4.5.1)", () => {
  for (const client of [undefined, OUTSIDE]) {
    const d = inMail({}, client);
    assert.deepEqual(d.command("RCPT TO:<POSTMASTER>"), ["250 2.1.5 Ok"]);
    assert.deepEqual(d.command("RCPT TO:<postmaster@localhost>"), [
      "250 2.1.5 Ok",
    ]);
    assert.deepEqual(d.session.transaction?.recipients, [
      "POSTMASTER@example.org",
      "postmaster@localhost",
    ]);
  }
});

Deno.test("relay outside mynetworks is refused and logged", () => {
  const d = inMail({}, OUTSIDE);
  assert.deepEqual(d.command("RCPT TO:<victim@Remote.Example>"), [
    "554 5.7.1 <victim@remote.example>: Relay access denied",
  ]);
  assert.deepEqual(d.logs(), [
    "smtpd: NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <victim@remote.example>: Relay access denied; from=<sender@client.example> to=<victim@remote.example> proto=ESMTP helo=<client.example>",
  ]);
});

Deno.test("relay from inside mynetworks (IPv4 and IPv6) is accepted without a lookup", () => {
  for (const address of ["127.0.0.1", "::1"]) {
    const d = inMail({}, { name: "localhost", address });
    assert.deepEqual(d.command("RCPT TO:<friend@remote.example>"), [
      "250 2.1.5 Ok",
    ], address);
    assert.deepEqual(d.kinds(), ["reply"]);
  }
});

Deno.test("mynetworks is read from the policy: an empty list trusts no one", () => {
  const d = inMail({ mynetworks: [] });
  assert.match(d.command("RCPT TO:<friend@remote.example>")[0], /^554 5\.7\.1/);
});

const tricks = [
  '"victim@remote.example"@example.org',
  "victim%remote.example@example.org",
  "remote.example!victim@example.org",
  "@example.org:victim@remote.example",
  "@remote.example:user@localhost",
];
for (const trick of tricks) {
  Deno.test(`relay trick <${trick}> needs mynetworks`, () => {
    const outside = inMail({}, OUTSIDE);
    assert.match(
      outside.command(`RCPT TO:<${trick}>`)[0],
      /^554 5\.7\.1 <.*>: Relay access denied$/,
    );
    assert.equal(outside.session.transaction?.recipients.length, 0);
    const inside = inMail();
    assert.deepEqual(inside.command(`RCPT TO:<${trick}>`), ["250 2.1.5 Ok"]);
    assert.deepEqual(
      inside.kinds(),
      ["reply"],
      "a relay trick is never looked up as local",
    );
  });
}

Deno.test("smtpd_recipient_limit: 452 4.5.3 past the limit; duplicates are kept once", () => {
  const d = inMail({ smtpd_recipient_limit: 2 });
  assert.deepEqual(d.command("RCPT TO:<a@remote.example>"), ["250 2.1.5 Ok"]);
  assert.deepEqual(d.command("RCPT TO:<a@remote.example>"), ["250 2.1.5 Ok"]);
  assert.deepEqual(d.command("RCPT TO:<b@remote.example>"), ["250 2.1.5 Ok"]);
  assert.deepEqual(d.command("RCPT TO:<c@remote.example>"), [
    "452 4.5.3 Error: too many recipients",
  ]);
  assert.deepEqual(d.session.transaction?.recipients, [
    "a@remote.example",
    "b@remote.example",
  ]);
});

// --- DATA -----------------------------------------------------------------

Deno.test("DATA opens the queue file with the envelope, then 354", () => {
  const d = inMail();
  d.command("RCPT TO:<friend@remote.example>");
  d.command("RCPT TO:<postmaster>");
  assert.deepEqual(d.command("DATA"), []);
  assert.deepEqual(d.actions, [{
    type: "open-data",
    envelope: {
      sender: "sender@client.example",
      recipients: ["friend@remote.example", "postmaster@example.org"],
      clientName: "localhost",
      clientAddress: "127.0.0.1",
      helo: "client.example",
      protocol: "ESMTP",
    },
  }]);
  assert.deepEqual(d.send({ type: "data-begun", queueId: "4QID" }), [
    "354 End data with <CR><LF>.<CR><LF>",
  ]);
  assert.deepEqual(d.logs(), ["smtpd: 4QID: client=localhost[127.0.0.1]"]);
  assert.equal(d.kinds().at(-1), "receive-data");
  assert.equal(d.session.phase, "data");
});

Deno.test("DATA takes no argument; BODY= reaches the envelope", () => {
  const d = connected();
  d.command("HELO x");
  d.command("MAIL FROM:<a@b> BODY=8BITMIME");
  d.command("RCPT TO:<friend@remote.example>");
  assert.deepEqual(d.command("DATA now"), ["501 5.5.4 Syntax: DATA"]);
  d.command("DATA");
  const open = d.actions[0];
  assert.ok(open.type === "open-data");
  assert.equal(open.envelope.bodyType, "8BITMIME");
  assert.equal(open.envelope.protocol, "SMTP");
});

Deno.test("a clean message is committed, and only then acknowledged", () => {
  const d = inData();
  assert.deepEqual(
    d.send({ type: "data-end", summary: cleanData({ messageId: "<m@x>" }) }),
    [],
  );
  assert.deepEqual(d.kinds(), ["log", "commit"]);
  assert.deepEqual(d.logs(), ["cleanup: 4QID: message-id=<m@x>"]);
  assert.equal(d.session.phase, "committing");
  assert.deepEqual(d.send({ type: "queued" }), [
    "250 2.0.0 Ok: queued as 4QID",
  ]);
  assert.equal(d.session.transaction, null);
  assert.deepEqual(d.command("MAIL FROM:<next@client.example>"), [
    "250 2.1.0 Ok",
  ]);
});

const refusals: Array<
  [string, Parameters<typeof cleanData>[0], string, "normalize" | "reject"]
> = [
  [
    "over the size limit",
    { overLimit: true },
    "552 5.3.4 Error: message file too big",
    "normalize",
  ],
  [
    "bare newline under reject",
    { bareNewline: true },
    "550 5.5.2 Error: bare <CR> or <LF> received",
    "reject",
  ],
  [
    "a line over 1000 octets",
    { longLine: true },
    "500 5.5.0 Error: message line too long (RFC 5321 section 4.5.3.1.6)",
    "normalize",
  ],
  [
    "a queue write error",
    { failure: "write-error" },
    "451 4.3.0 Error: queue file write error",
    "normalize",
  ],
  [
    "a full disk",
    { failure: "no-space" },
    "452 4.3.1 Insufficient system storage",
    "normalize",
  ],
];
for (const [what, summary, expected, bare] of refusals) {
  Deno.test(`the message is refused at the end of data for ${what}; nothing is queued`, () => {
    const d = inData({ smtpd_forbid_bare_newline: bare });
    assert.deepEqual(
      d.send({ type: "data-end", summary: cleanData(summary) }),
      [expected],
    );
    assert.ok(d.kinds().includes("abort"));
    assert.ok(!d.kinds().includes("commit"));
    assert.equal(d.session.transaction, null);
    assert.equal(d.session.phase, "command");
    assert.match(
      d.logs()[0],
      /^smtpd: 4QID: reject: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: /,
    );
    assert.match(
      d.logs()[0],
      /; from=<sender@client\.example> to=<friend@remote\.example> proto=ESMTP helo=<client\.example>$/,
    );
  });
}

Deno.test("a bare newline under normalize is queued", () => {
  const d = inData();
  d.send({ type: "data-end", summary: cleanData({ bareNewline: true }) });
  assert.deepEqual(d.kinds(), ["commit"]);
});

Deno.test("queue file open and commit failures are temporary errors", () => {
  const d = inMail();
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  assert.deepEqual(
    d.send({ type: "data-open-failed", failure: "write-error" }),
    [
      "451 4.3.0 Error: queue file write error",
    ],
  );
  assert.equal(d.session.transaction, null);

  const e = inData();
  e.send({ type: "data-end", summary: cleanData() });
  assert.deepEqual(e.send({ type: "queue-failed", failure: "no-space" }), [
    "452 4.3.1 Insufficient system storage",
  ]);
  assert.deepEqual(e.kinds(), ["abort", "reply"]);
  assert.equal(e.session.phase, "command");
});

// --- other commands -------------------------------------------------------

Deno.test("RSET, NOOP, VRFY, HELP", () => {
  const d = inMail();
  assert.deepEqual(d.command("RSET"), ["250 2.0.0 Ok"]);
  assert.equal(d.session.transaction, null);
  assert.deepEqual(d.command("RSET x"), ["501 5.5.4 Syntax: RSET"]);
  assert.deepEqual(d.command("NOOP whatever"), ["250 2.0.0 Ok"]);
  assert.deepEqual(d.command("VRFY root"), []);
  assert.deepEqual(d.kinds(), ["verify-recipient"]);
  assert.deepEqual(
    d.send({ type: "recipient-verdict", verdict: { ok: true } }),
    ["252 2.0.0 root"],
  );
  assert.deepEqual(d.command("VRFY <nosuchuser@example.org>"), []);
  assert.deepEqual(
    d.send({
      type: "recipient-verdict",
      verdict: {
        ok: false,
        code: 550,
        dsn: "5.1.1",
        text:
          "Recipient address rejected: User unknown in local recipient table",
      },
    }),
    [
      "550 5.1.1 <nosuchuser@example.org>: Recipient address rejected: User unknown in local recipient table",
    ],
  );
  assert.deepEqual(d.command("VRFY <x@remote.example>"), [
    "252 2.0.0 <x@remote.example>",
  ]);
  assert.deepEqual(d.command("VRFY"), ["501 5.5.4 Syntax: VRFY address"]);
  assert.match(
    d.command("HELP")[0],
    /^214 2\.0\.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA/,
  );
});

Deno.test("unknown, empty and too-long command lines", () => {
  const d = connected();
  assert.deepEqual(d.command("EXPN staff"), [
    "502 5.5.2 Error: command not recognized",
  ]);
  // No certificate: STARTTLS is known but not available.
  assert.deepEqual(d.command("STARTTLS"), [
    "502 5.5.1 Error: command not implemented",
  ]);
  assert.deepEqual(d.command(""), ["500 5.5.2 Error: bad syntax"]);
  assert.deepEqual(d.send({ type: "command-too-long" }), [
    "500 5.5.0 Error: line too long",
  ]);
});

Deno.test("QUIT: 221, disconnect line with Postfix's command counts, close", () => {
  const d = inMail();
  d.command("RCPT TO:<a@remote.example>");
  d.command("RCPT TO:<a@-bad>");
  d.command("BOGUS");
  assert.deepEqual(d.command("QUIT"), ["221 2.0.0 Bye"]);
  assert.deepEqual(d.logs(), [
    "smtpd: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1/2 quit=1 unknown=0/1 commands=4/6",
  ]);
  assert.deepEqual(d.kinds(), ["reply", "log", "close"]);
  assert.equal(d.session.phase, "closed");
});

Deno.test("a full transaction counts data=1 once the message is queued", () => {
  const d = inData();
  d.send({ type: "data-end", summary: cleanData() });
  d.send({ type: "queued" });
  d.command("QUIT");
  assert.deepEqual(d.logs(), [
    "smtpd: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
  ]);
});

Deno.test("20 errors end the session with 421 4.7.0", () => {
  const d = connected();
  for (let i = 0; i < 19; i++) assert.equal(d.command("BOGUS").length, 1);
  assert.deepEqual(d.command("BOGUS"), [
    "502 5.5.2 Error: command not recognized",
    "421 4.7.0 mx.example.org Error: too many errors",
  ]);
  assert.equal(d.session.phase, "closed");
  assert.ok(
    d.logs().includes(
      "smtpd: too many errors after UNKNOWN from localhost[127.0.0.1]",
    ),
  );
});

// --- timeouts, lost connections, shutdown ---------------------------------

Deno.test("timeout: 421 4.4.2, logged with the last command, closed", () => {
  const d = inMail();
  d.command("RCPT TO:<a@remote.example>");
  assert.deepEqual(d.send({ type: "timeout" }), [
    "421 4.4.2 mx.example.org Error: timeout exceeded",
  ]);
  assert.deepEqual(d.logs(), [
    "smtpd: timeout after RCPT from localhost[127.0.0.1]",
    "smtpd: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 commands=3",
  ]);
  assert.equal(d.kinds().at(-1), "close");
  assert.ok(!d.kinds().includes("abort"));
});

Deno.test("timeout during DATA discards the queue file", () => {
  const d = inData();
  d.send({ type: "timeout" });
  assert.deepEqual(d.kinds(), ["abort", "reply", "log", "log", "close"]);
  assert.equal(
    d.logs()[0],
    "smtpd: timeout after DATA from localhost[127.0.0.1]",
  );
});

Deno.test("lost connection is logged with the last command", () => {
  const d = connected();
  assert.deepEqual(d.send({ type: "eof" }), []);
  assert.deepEqual(d.logs(), [
    "smtpd: lost connection after CONNECT from localhost[127.0.0.1]",
    "smtpd: disconnect from localhost[127.0.0.1] commands=0",
  ]);
  const e = inData();
  e.send({ type: "eof" });
  assert.deepEqual(e.kinds().slice(0, 1), ["abort"]);
  assert.equal(
    e.logs()[0],
    "smtpd: lost connection after DATA from localhost[127.0.0.1]",
  );
});

Deno.test("shutdown: idle sessions get 421 4.3.2", () => {
  const d = connected();
  assert.deepEqual(d.send({ type: "shutdown" }), [
    "421 4.3.2 mx.example.org Service shutting down",
  ]);
  assert.equal(d.session.phase, "closed");
});

Deno.test("the HELO name is kept printable for the envelope and logs", () => {
  const d = connected();
  d.command("HELO evil\rname\x00");
  assert.equal(d.session.helo, "evil?name?");
});
