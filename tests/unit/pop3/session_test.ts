/**
 * The pop3d session driven line by line through `step`: every command,
 * its error paths, the plaintext policy, the limits and the UPDATE state.
 */
import assert from "node:assert/strict";
import {
  newSession,
  type Pop3Session,
  type SessionAction,
  type SessionEvent,
  type SessionPolicy,
  step,
} from "../../../src/pop3/session.ts";
import { formatReply } from "../../../src/pop3/replies.ts";
import type { MaildropMessage } from "../../../src/pop3/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { listingOf } from "../../../src/pop3/maildrop_listing.ts";

const MESSAGES = [
  { uidl: "uid-one", size: 120 },
  { uidl: "uid-two", size: 300 },
  { uidl: "uid-three", size: 45 },
];

function policy(overrides: Partial<SessionPolicy> = {}): SessionPolicy {
  return baseTestConfig({
    pop3_failed_login_delay: 2,
    pop3_max_failed_logins: 3,
    pop3_max_bad_commands: 5,
    ...overrides,
  });
}

/** A test driver: feeds events, keeps the session, returns the wire text. */
class Driver {
  session: Pop3Session = newSession();
  actions: SessionAction[] = [];
  constructor(readonly p: SessionPolicy = policy()) {}

  send(event: SessionEvent): string {
    const t = step(this.session, event, this.p);
    this.session = t.session;
    this.actions = [...t.actions];
    return this.actions.map((a) =>
      a.type === "reply" ? formatReply(a.reply) : ""
    )
      .join("");
  }

  connect(address = "127.0.0.1", tls = false, tlsAvailable = false): string {
    return this.send({
      type: "connect",
      client: { name: "localhost", address },
      tls,
      tlsAvailable,
    });
  }

  /** The maildrop `scan` actions are answered with (see `login`). */
  maildrop: readonly MaildropMessage[] = MESSAGES;
  scans = 0;

  /** Sends a command line; a `scan` it asks for is answered at once. */
  line(text: string): string {
    const wire = this.send({ type: "command", line: text });
    if (!this.has("scan")) return wire;
    this.scans++;
    const before = this.actions;
    const after = this.send({
      type: "scanned",
      messages: listingOf(this.maildrop),
    });
    this.actions = [...before, ...this.actions];
    return wire + after;
  }

  has(type: SessionAction["type"]): boolean {
    return this.actions.some((a) => a.type === type);
  }

  logs(): string[] {
    return this.actions.flatMap((a) => a.type === "log" ? [a.text] : []);
  }

  /** Logs in as alice with USER/PASS and the given maildrop. */
  login(messages = MESSAGES): void {
    this.connect();
    this.line("USER alice@example.org");
    this.line("PASS secret");
    this.maildrop = messages;
    this.send({ type: "login-result", outcome: { type: "ok" } });
  }
}

Deno.test("greeting has no APOP timestamp and logs the connect", () => {
  const d = new Driver();
  assert.equal(d.connect(), "+OK mx.example.org POP3 server ready\r\n");
  assert.deepEqual(d.logs(), ["connect from localhost[127.0.0.1]"]);
});

Deno.test("USER/PASS asks for a login and opens TRANSACTION", () => {
  const d = new Driver();
  d.connect();
  assert.equal(d.line("USER alice@example.org"), "+OK\r\n");
  assert.equal(d.line("PASS se cret "), "");
  assert.deepEqual(d.actions, [{
    type: "login",
    login: "alice@example.org",
    password: "se cret ",
  }]);
  assert.equal(d.session.phase, "authenticating");
  assert.equal(
    d.send({
      type: "login-result",
      outcome: { type: "ok" },
    }),
    "+OK Maildrop locked and ready\r\n",
  );
  assert.equal(d.session.phase, "transaction");
  assert.deepEqual(d.logs(), [
    "login: user=<alice@example.org>, ip=[127.0.0.1]",
  ]);
});

Deno.test("PASS without USER is a bad command", () => {
  const d = new Driver();
  d.connect();
  assert.equal(d.line("PASS x"), "-ERR Send USER first\r\n");
  assert.equal(d.session.badCommands, 1);
});

Deno.test("a failed login is answered after a delay action, then the client is cut off", () => {
  const d = new Driver();
  d.connect("192.0.2.7", true);
  for (let i = 1; i <= 3; i++) {
    d.line("USER bob");
    d.line("PASS wrong");
    const wire = d.send({
      type: "login-result",
      outcome: { type: "rejected" },
    });
    const types = d.actions.map((a) => a.type);
    assert.ok(
      types.indexOf("delay") < types.indexOf("reply"),
      "the pause comes before the -ERR",
    );
    assert.deepEqual(
      d.actions.find((a) => a.type === "delay"),
      { type: "delay", seconds: 2 },
    );
    assert.ok(
      d.logs().includes("login failed: user=<bob>, ip=[192.0.2.7]"),
    );
    if (i < 3) {
      assert.equal(wire, "-ERR [AUTH] Authentication failed\r\n");
      assert.equal(d.session.phase, "authorization");
    } else {
      assert.equal(wire, "-ERR [AUTH] Too many failed logins\r\n");
      assert.equal(d.session.phase, "closed");
      assert.ok(d.has("close"));
      assert.ok(!d.has("release"), "nothing was locked");
    }
  }
});

Deno.test("a busy maildrop is -ERR [IN-USE]; a failing one is -ERR [SYS/TEMP]", () => {
  const d = new Driver();
  d.connect();
  d.line("USER a");
  d.line("PASS b");
  assert.equal(
    d.send({ type: "login-result", outcome: { type: "busy" } }),
    "-ERR [IN-USE] Maildrop is locked by another session\r\n",
  );
  assert.equal(d.session.phase, "authorization");
  assert.equal(d.session.failedLogins, 0);
  d.line("USER a");
  d.line("PASS b");
  assert.match(
    d.send({ type: "login-result", outcome: { type: "unavailable" } }),
    /^-ERR \[SYS\/TEMP\] /,
  );
});

Deno.test("plaintext logins: refused before TLS for a remote client under loopback/never", () => {
  const refused =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS\r\n";
  for (
    const [mode, address, tls, allowed] of [
      ["loopback", "192.0.2.1", false, false],
      ["loopback", "127.0.0.1", false, true],
      ["loopback", "::1", false, true],
      ["loopback", "192.0.2.1", true, true],
      ["never", "127.0.0.1", false, false],
      ["never", "127.0.0.1", true, true],
      ["always", "192.0.2.1", false, true],
    ] as const
  ) {
    const d = new Driver(policy({ pop3_plaintext_logins: mode }));
    d.connect(address, tls, true);
    const label = `${mode} ${address} tls=${tls}`;
    assert.equal(d.line("USER x"), allowed ? "+OK\r\n" : refused, label);
    assert.equal(d.line("AUTH PLAIN"), allowed ? "+ \r\n" : refused, label);
    const capa = new Driver(policy({ pop3_plaintext_logins: mode }));
    capa.connect(address, tls, true);
    const text = capa.line("CAPA");
    assert.equal(text.includes("\r\nUSER\r\n"), allowed, label);
    assert.equal(text.includes("\r\nSASL PLAIN\r\n"), allowed, label);
  }
});

Deno.test("CAPA lists STLS only when TLS is configured and not active", () => {
  const d = new Driver();
  d.connect("127.0.0.1", false, true);
  assert.equal(
    d.line("CAPA"),
    "+OK Capability list follows\r\nTOP\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n" +
      "UIDL\r\nPIPELINING\r\nSASL PLAIN\r\nSTLS\r\nEXPIRE NEVER\r\n" +
      "IMPLEMENTATION mailsrv\r\n.\r\n",
  );
  const none = new Driver();
  none.connect("127.0.0.1", false, false);
  assert.ok(!none.line("CAPA").includes("STLS"));
  const secure = new Driver();
  secure.connect("127.0.0.1", true, true);
  assert.ok(!secure.line("CAPA").includes("STLS"));
});

Deno.test("STLS: +OK, start-tls, then a fresh AUTHORIZATION state under TLS", () => {
  const d = new Driver(policy({ pop3_plaintext_logins: "never" }));
  d.connect("192.0.2.1", false, true);
  d.line("USER early");
  assert.match(d.line("USER early"), /^-ERR \[AUTH\]/);
  assert.equal(d.line("STLS"), "+OK Begin TLS negotiation\r\n");
  assert.ok(d.has("start-tls"));
  d.send({ type: "tls-started" });
  assert.equal(d.session.tls, true);
  assert.equal(
    d.line("STLS"),
    "-ERR Command not permitted when TLS active\r\n",
  );
  assert.equal(d.line("USER late"), "+OK\r\n");
  const none = new Driver();
  none.connect();
  assert.equal(none.line("STLS"), "-ERR STLS not available\r\n");
});

Deno.test("a failed TLS handshake closes the session", () => {
  const d = new Driver();
  d.connect("127.0.0.1", false, true);
  d.line("STLS");
  d.send({ type: "tls-failed", reason: "bad record" });
  assert.equal(d.session.phase, "closed");
  assert.ok(d.has("close"));
});

Deno.test("AUTH PLAIN: initial response, continuation, cancel, authzid, bad base64", () => {
  const plain = (s: string) => btoa(s);
  const d = new Driver();
  d.connect();
  d.line(`AUTH PLAIN ${plain("\0alice\0pw d")}`);
  assert.deepEqual(d.actions, [{
    type: "login",
    login: "alice",
    password: "pw d",
  }]);

  const c = new Driver();
  c.connect();
  assert.equal(c.line("AUTH plain"), "+ \r\n");
  assert.equal(c.session.phase, "sasl");
  c.line(plain("alice\0alice\0pw"));
  assert.deepEqual(c.actions, [{
    type: "login",
    login: "alice",
    password: "pw",
  }]);

  const x = new Driver();
  x.connect();
  x.line("AUTH PLAIN");
  assert.equal(x.line("*"), "-ERR [AUTH] Authentication cancelled\r\n");
  assert.equal(x.session.phase, "authorization");

  const z = new Driver();
  z.connect();
  z.line(`AUTH PLAIN ${plain("root\0alice\0pw")}`);
  assert.equal(z.session.failedLogins, 1, "acting as another user fails");
  assert.ok(z.has("delay"));

  const b = new Driver();
  b.connect();
  assert.equal(
    b.line("AUTH PLAIN !!!!"),
    "-ERR [AUTH] Invalid SASL PLAIN response\r\n",
  );
  assert.equal(
    b.line("AUTH CRAM-MD5"),
    "-ERR Unsupported authentication mechanism\r\n",
  );
  assert.equal(b.line("AUTH"), "+OK\r\nPLAIN\r\n.\r\n");
});

Deno.test("STAT, LIST, UIDL, with and without a message number", () => {
  const d = new Driver();
  d.login();
  assert.equal(d.line("STAT"), "+OK 3 465\r\n");
  assert.equal(
    d.line("LIST"),
    "+OK 3 messages (465 octets)\r\n1 120\r\n2 300\r\n3 45\r\n.\r\n",
  );
  assert.equal(d.line("LIST 2"), "+OK 2 300\r\n");
  assert.equal(
    d.line("UIDL"),
    "+OK\r\n1 uid-one\r\n2 uid-two\r\n3 uid-three\r\n.\r\n",
  );
  assert.equal(d.line("uidl 3"), "+OK 3 uid-three\r\n");
  assert.equal(d.line("LIST 4"), "-ERR No such message\r\n");
  assert.equal(d.line("LIST 0"), "-ERR No such message\r\n");
  assert.equal(d.line("LIST x"), "-ERR Invalid message number\r\n");
  assert.equal(d.line("STAT 1"), "-ERR Command takes no argument\r\n");
  assert.equal(d.line("NOOP"), "+OK\r\n");
});

Deno.test("RETR and TOP ask the adapter to transmit; their syntax is checked", () => {
  const d = new Driver();
  d.login();
  d.line("STAT");
  d.line("RETR 2");
  assert.deepEqual(d.actions, [{
    type: "transmit",
    index: 1,
    bodyLines: null,
    reply: { status: "+OK", code: null, text: "300 octets", lines: null },
  }]);
  assert.equal(d.session.phase, "transmitting");
  d.send({ type: "transmitted" });
  d.line("TOP 1 5");
  assert.deepEqual(
    d.actions.map((a) => a.type === "transmit" && [a.index, a.bodyLines]),
    [[0, 5]],
  );
  assert.match(
    d.send({ type: "transmit-failed", started: false, reason: "gone" }),
    /^-ERR \[SYS\/TEMP\] Cannot read message\r\n$/,
  );
  assert.equal(d.session.phase, "transaction");
  assert.equal(d.line("TOP 1"), "-ERR Syntax: TOP message lines\r\n");
  assert.equal(d.line("TOP 1 -1"), "-ERR Syntax: TOP message lines\r\n");
  d.line("RETR 1");
  d.send({ type: "transmit-failed", started: true, reason: "disk" });
  assert.equal(
    d.session.phase,
    "closed",
    "a half-sent message cannot be fixed",
  );
  assert.ok(d.has("release"));
});

Deno.test("DELE marks, deleted messages vanish, RSET unmarks", () => {
  const d = new Driver();
  d.login();
  assert.equal(d.line("DELE 2"), "+OK Message 2 deleted\r\n");
  assert.equal(d.line("DELE 2"), "-ERR Message 2 already deleted\r\n");
  assert.equal(d.line("RETR 2"), "-ERR Message 2 already deleted\r\n");
  assert.equal(d.line("TOP 2 0"), "-ERR Message 2 already deleted\r\n");
  assert.equal(d.line("UIDL 2"), "-ERR Message 2 already deleted\r\n");
  assert.equal(d.line("STAT"), "+OK 2 165\r\n");
  assert.equal(
    d.line("LIST"),
    "+OK 2 messages (165 octets)\r\n1 120\r\n3 45\r\n.\r\n",
  );
  assert.equal(d.line("UIDL"), "+OK\r\n1 uid-one\r\n3 uid-three\r\n.\r\n");
  assert.equal(d.line("RSET"), "+OK Maildrop has 3 messages (465 octets)\r\n");
  assert.equal(d.line("STAT"), "+OK 3 465\r\n");
  assert.equal(
    d.session.badCommands,
    0,
    "races on deleted messages are not bad commands",
  );
});

Deno.test("QUIT in TRANSACTION commits the marks, then signs off and logs out", () => {
  const d = new Driver();
  d.login();
  d.line("DELE 1");
  d.line("DELE 3");
  d.line("RETR 2");
  d.send({ type: "transmitted" });
  assert.equal(d.line("QUIT"), "");
  assert.deepEqual(d.actions, [{ type: "commit", deleted: new Set([0, 2]) }]);
  assert.equal(d.session.phase, "committing");
  assert.equal(
    d.send({ type: "committed" }),
    "+OK mx.example.org POP3 server signing off\r\n",
  );
  assert.ok(!d.has("release"), "commit unlocked it");
  assert.deepEqual(d.logs(), [
    "logout: user=<alice@example.org>, ip=[127.0.0.1], top=0, retr=1, dele=2",
    "disconnect from localhost[127.0.0.1]",
  ]);
});

Deno.test("a failed commit is -ERR [SYS/TEMP] and releases the maildrop", () => {
  const d = new Driver();
  d.login();
  d.line("DELE 1");
  d.line("QUIT");
  assert.match(
    d.send({ type: "commit-failed", reason: "EIO" }),
    /^-ERR \[SYS\/TEMP\] .*nothing was removed\r\n$/,
  );
  assert.ok(d.has("release"));
  assert.ok(d.has("close"));
});

Deno.test("QUIT in AUTHORIZATION signs off without touching a maildrop", () => {
  const d = new Driver();
  d.connect();
  assert.equal(
    d.line("QUIT"),
    "+OK mx.example.org POP3 server signing off\r\n",
  );
  assert.ok(!d.has("commit") && !d.has("release"));
  assert.equal(d.session.phase, "closed");
});

Deno.test("timeout, EOF and shutdown release the maildrop unchanged", () => {
  for (const type of ["timeout", "eof", "shutdown"] as const) {
    const d = new Driver();
    d.login();
    d.line("DELE 1");
    const wire = d.send({ type });
    assert.ok(d.has("release") && !d.has("commit"), type);
    assert.ok(d.has("close"), type);
    if (type === "timeout") {
      assert.equal(wire, "-ERR [SYS/TEMP] Autologout; idle for too long\r\n");
    }
  }
});

Deno.test("commands out of state and unknown ones count toward the bad command limit", () => {
  const d = new Driver(policy({ pop3_max_bad_commands: 4 }));
  d.connect();
  assert.equal(d.line("STAT"), "-ERR Command not valid in this state\r\n");
  assert.equal(d.line("XYZZY"), "-ERR Unknown command\r\n");
  assert.equal(
    d.send({ type: "command-too-long" }),
    "-ERR Command line too long\r\n",
  );
  assert.equal(
    d.line(""),
    "-ERR Too many bad commands; closing connection\r\n",
  );
  assert.equal(d.session.phase, "closed");
  const t = new Driver();
  t.login();
  assert.equal(t.line("USER x"), "-ERR Command not valid in this state\r\n");
  assert.equal(t.line("STLS"), "-ERR Command not valid in this state\r\n");
});

Deno.test("events out of phase are adapter bugs and throw", () => {
  const d = new Driver();
  assert.throws(() => d.line("NOOP"), /got "command" in phase "connecting"/);
  d.connect();
  assert.throws(() => d.send({ type: "committed" }), /phase "authorization"/);
});

Deno.test("login only locks: the first command that needs the messages scans, once", () => {
  const d = new Driver();
  d.login();
  assert.ok(!d.has("scan"));
  assert.equal(d.session.listed, false);
  assert.equal(d.line("NOOP"), "+OK\r\n");
  assert.equal(d.scans, 0);
  assert.equal(d.send({ type: "command", line: "STAT" }), "");
  assert.deepEqual(d.actions, [{ type: "scan" }]);
  assert.equal(d.session.phase, "scanning");
  assert.equal(
    d.send({ type: "scanned", messages: listingOf(MESSAGES) }),
    "+OK 3 465\r\n",
  );
  assert.equal(d.session.phase, "transaction");
  assert.equal(d.line("UIDL 2"), "+OK 2 uid-two\r\n");
  assert.equal(d.scans, 0, "scanned only once");
});

Deno.test("RETR as the first command scans, then transmits", () => {
  const d = new Driver();
  d.login();
  assert.equal(d.line("RETR 2"), "");
  assert.equal(d.scans, 1);
  assert.ok(d.has("transmit"));
  assert.equal(d.session.phase, "transmitting");
});

Deno.test("QUIT without a scan commits nothing and never scans", () => {
  const d = new Driver();
  d.login();
  d.line("QUIT");
  assert.equal(d.scans, 0);
  assert.deepEqual(d.actions, [{ type: "commit", deleted: new Set() }]);
});

Deno.test("a failed scan answers -ERR [SYS/TEMP] and releases the maildrop", () => {
  const d = new Driver();
  d.login();
  d.send({ type: "command", line: "LIST" });
  assert.equal(
    d.send({ type: "scan-failed", reason: "EIO" }),
    "-ERR [SYS/TEMP] Cannot open maildrop; try again later\r\n",
  );
  assert.ok(d.has("release"));
  assert.ok(d.has("close"));
  assert.equal(d.session.phase, "closed");
  assert.ok(d.logs().some((l) => l.includes("EIO")));
});
