/**
 * The smtpd session's STARTTLS, AUTH and disable_vrfy_command, through
 * step(): the commands, the phases they pass through and the events
 * that end them.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import type { ClientIdentity } from "../../../src/smtp/session.ts";
import { protocolName } from "../../../src/smtp/commands.ts";
import { SessionDriver } from "./session_driver.ts";
import { testConfig } from "./test_config.ts";

const TLS = {
  protocol: "TLSv1.3",
  cipher: "TLS_AES_256_GCM_SHA384",
  bits: 256,
};
const OUTSIDE = { name: "unknown", address: "192.0.2.9" };
const b64 = (text: string) => btoa(text);

function session(
  overrides: Partial<Config> = {},
  client: ClientIdentity = OUTSIDE,
  tlsAvailable = true,
): SessionDriver {
  const d = new SessionDriver(testConfig(overrides));
  d.send({ type: "connect", client, activeSessions: 0, tlsAvailable });
  return d;
}

function ehloKeywords(d: SessionDriver): string[] {
  return d.command("EHLO client.example")[0].split("\n").map((l) => l.slice(4));
}

Deno.test("STARTTLS is offered with a certificate and security level may", () => {
  assert.ok(ehloKeywords(session()).includes("STARTTLS"));
  assert.ok(!ehloKeywords(session({}, OUTSIDE, false)).includes("STARTTLS"));
  assert.ok(
    !ehloKeywords(session({ smtpd_tls_security_level: "none" }))
      .includes("STARTTLS"),
  );
});

Deno.test("STARTTLS: 220, the handshake action, then a fresh session (RFC 3207 4.2)", () => {
  const d = session();
  d.command("EHLO client.example");
  assert.deepEqual(d.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"]);
  assert.deepEqual(d.kinds(), ["reply", "start-tls"]);
  assert.equal(d.session.phase, "starting-tls");
  assert.deepEqual(d.send({ type: "tls-started", tls: TLS }), []);
  assert.deepEqual(d.logs(), [
    "smtpd: Anonymous TLS connection established from unknown[192.0.2.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
  ]);
  assert.deepEqual(d.session.tls, TLS);
  // The EHLO before TLS is forgotten; STARTTLS is no longer offered.
  assert.deepEqual(d.command("MAIL FROM:<a@client.example>"), [
    "503 5.5.1 Error: send HELO/EHLO first",
  ]);
  assert.ok(!ehloKeywords(d).includes("STARTTLS"));
  assert.deepEqual(d.command("STARTTLS"), [
    "554 5.5.1 Error: TLS already active",
  ]);
  assert.equal(protocolName(d.session), "ESMTPS");
});

Deno.test("STARTTLS refusals: argument, inside a transaction", () => {
  const d = session();
  assert.deepEqual(d.command("STARTTLS now"), ["501 5.5.4 Syntax: STARTTLS"]);
  d.command("EHLO client.example");
  d.command("MAIL FROM:<a@client.example>");
  assert.deepEqual(d.command("STARTTLS"), [
    "503 5.5.1 Error: MAIL transaction in progress",
  ]);
});

Deno.test("a failed handshake ends the session", () => {
  const d = session();
  d.command("STARTTLS");
  d.send({ type: "tls-failed", reason: "wrong version number" });
  assert.equal(d.session.phase, "closed");
  assert.deepEqual(d.replies(), []);
  assert.ok(d.kinds().includes("close"));
  assert.match(d.logs()[0], /SSL_accept error from unknown\[192\.0\.2\.9\]/);
});

Deno.test("encrypt: only EHLO, HELO, STARTTLS, NOOP, RSET and QUIT before TLS", () => {
  const d = session({ smtpd_tls_security_level: "encrypt" });
  assert.match(d.command("EHLO client.example")[0], /^250-/);
  assert.deepEqual(d.command("NOOP"), ["250 2.0.0 Ok"]);
  assert.deepEqual(d.command("RSET"), ["250 2.0.0 Ok"]);
  for (
    const line of [
      "MAIL FROM:<a@b.example>",
      "VRFY alice",
      "AUTH PLAIN",
      "HELP",
      "RCPT TO:<x@y>",
    ]
  ) {
    assert.deepEqual(d.command(line), [
      "530 5.7.0 Must issue a STARTTLS command first",
    ], line);
  }
  d.command("STARTTLS");
  d.send({ type: "tls-started", tls: TLS });
  d.command("EHLO client.example");
  assert.deepEqual(d.command("MAIL FROM:<a@client.example>"), [
    "250 2.1.0 Ok",
  ]);
});

Deno.test("smtps: a session that starts under TLS logs it and offers no STARTTLS", () => {
  const d = new SessionDriver(testConfig());
  d.send({
    type: "connect",
    client: OUTSIDE,
    activeSessions: 0,
    tlsAvailable: true,
    tls: TLS,
  });
  assert.match(d.logs()[1], /^smtpd: Anonymous TLS connection established/);
  assert.ok(!ehloKeywords(d).includes("STARTTLS"));
});

Deno.test("AUTH is offered only under TLS unless the client is on loopback or smtpd_tls_auth_only = no", () => {
  const on = { smtpd_sasl_auth_enable: true };
  assert.ok(!ehloKeywords(session(on)).includes("AUTH PLAIN LOGIN"));
  assert.deepEqual(
    (() => {
      const d = session(on);
      d.command("EHLO client.example");
      return d.command(`AUTH PLAIN ${b64("\0alice\0pw")}`);
    })(),
    ["503 5.5.1 Error: authentication not enabled"],
  );
  assert.ok(
    ehloKeywords(session(on, { name: "localhost", address: "127.0.0.1" }))
      .includes("AUTH PLAIN LOGIN"),
  );
  assert.ok(
    ehloKeywords(session({ ...on, smtpd_tls_auth_only: false }))
      .includes("AUTH PLAIN LOGIN"),
  );
  assert.ok(!ehloKeywords(session()).some((k) => k.startsWith("AUTH")));
  const d = session(on);
  d.command("STARTTLS");
  d.send({ type: "tls-started", tls: TLS });
  assert.ok(ehloKeywords(d).includes("AUTH PLAIN LOGIN"));
});

/** A session under TLS, after EHLO, with AUTH enabled. */
function secured(overrides: Partial<Config> = {}): SessionDriver {
  const d = session({ smtpd_sasl_auth_enable: true, ...overrides });
  d.command("STARTTLS");
  d.send({ type: "tls-started", tls: TLS });
  d.command("EHLO client.example");
  return d;
}

Deno.test("AUTH PLAIN with an initial response: check, 235, the user in the session and the log", () => {
  const d = secured();
  assert.deepEqual(
    d.command(`AUTH PLAIN ${b64("\0alice@example.com\0secret")}`),
    [],
  );
  assert.deepEqual(d.actions, [{
    type: "authenticate",
    username: "alice@example.com",
    password: "secret",
  }]);
  assert.equal(d.session.phase, "authenticating");
  assert.deepEqual(
    d.send({
      type: "auth-result",
      outcome: { ok: true, username: "alice@example.com" },
    }),
    ["235 2.7.0 Authentication successful"],
  );
  assert.equal(d.session.authenticatedUser, "alice@example.com");
  assert.equal(d.session.saslMethod, "PLAIN");
  assert.equal(protocolName(d.session), "ESMTPSA");
  assert.deepEqual(d.command("AUTH PLAIN"), [
    "503 5.5.1 Error: already authenticated",
  ]);
  // The client line of the queue file's message names the user.
  d.command("MAIL FROM:<alice@example.com>");
  d.command("RCPT TO:<postmaster>");
  d.command("DATA");
  d.send({ type: "data-begun", queueId: "QID" });
  assert.deepEqual(d.logs(), [
    "smtpd: QID: client=unknown[192.0.2.9], sasl_method=PLAIN, sasl_username=alice@example.com",
  ]);
});

Deno.test("an authenticated client may relay with permit_sasl_authenticated", () => {
  const d = secured({
    smtpd_relay_restrictions: ["permit_sasl_authenticated", "reject"],
  });
  d.command("MAIL FROM:<a@client.example>");
  assert.deepEqual(d.command("RCPT TO:<bob@remote.example>"), [
    "554 5.7.1 <bob@remote.example>: Relay access denied",
  ]);
  d.command("RSET");
  d.command(`AUTH PLAIN ${b64("\0alice\0pw")}`);
  d.send({ type: "auth-result", outcome: { ok: true, username: "alice" } });
  d.command("MAIL FROM:<a@client.example>");
  assert.deepEqual(d.command("RCPT TO:<bob@remote.example>"), [
    "250 2.1.5 Ok",
  ]);
});

Deno.test("AUTH PLAIN without an initial response gets an empty 334", () => {
  const d = secured();
  // On the wire "334 " (the driver trims the line end).
  assert.deepEqual(d.command("AUTH PLAIN"), ["334"]);
  assert.equal(d.session.phase, "sasl-response");
  d.command(b64("alice\0alice\0pw"));
  assert.deepEqual(d.actions, [{
    type: "authenticate",
    username: "alice",
    password: "pw",
  }]);
});

Deno.test("AUTH LOGIN asks for the user name and password", () => {
  const d = secured();
  assert.deepEqual(d.command("AUTH LOGIN"), ["334 VXNlcm5hbWU6"]);
  assert.deepEqual(d.command(b64("alice@example.com")), ["334 UGFzc3dvcmQ6"]);
  assert.deepEqual(d.command(b64("secret")), []);
  assert.deepEqual(d.actions, [{
    type: "authenticate",
    username: "alice@example.com",
    password: "secret",
  }]);
  d.send({
    type: "auth-result",
    outcome: { ok: true, username: "alice@example.com" },
  });
  assert.equal(d.session.saslMethod, "LOGIN");
  // With the user name as initial response.
  const e = secured();
  assert.deepEqual(e.command(`AUTH LOGIN ${b64("bob")}`), ["334 UGFzc3dvcmQ6"]);
});

Deno.test("AUTH refusals: abort, bad base64, unknown mechanism, proxy authorization", () => {
  const d = secured();
  d.command("AUTH LOGIN");
  assert.deepEqual(d.command("*"), ["501 5.7.0 Authentication aborted"]);
  assert.equal(d.session.phase, "command");
  d.command("AUTH PLAIN");
  assert.deepEqual(d.command("not base64!"), [
    "501 5.5.2 Cannot decode response",
  ]);
  assert.deepEqual(d.command("AUTH CRAM-MD5"), [
    "504 5.5.4 Unrecognized authentication type",
  ]);
  assert.deepEqual(d.command(`AUTH PLAIN ${b64("root\0alice\0pw")}`), [
    "535 5.7.8 Error: authentication failed: authentication failure",
  ]);
  const n = session({ smtpd_sasl_auth_enable: true }, {
    name: "localhost",
    address: "127.0.0.1",
  });
  assert.deepEqual(n.command("AUTH PLAIN"), [
    "503 5.5.1 Error: send HELO/EHLO first",
  ]);
});

Deno.test("a failed AUTH is delayed, logged without the password, counted, and ends the session at the limit", () => {
  const d = secured({
    smtpd_sasl_failed_auth_delay: 2,
    smtpd_sasl_max_failed_auths: 2,
  });
  d.command(`AUTH PLAIN ${b64("\0alice\0wrong")}`);
  assert.deepEqual(
    d.send({ type: "auth-result", outcome: { ok: false, temporary: false } }),
    ["535 5.7.8 Error: authentication failed: authentication failure"],
  );
  assert.deepEqual(d.kinds(), ["log", "auth-delay", "reply"]);
  assert.deepEqual(d.logs(), [
    "smtpd: unknown[192.0.2.9]: SASL PLAIN authentication failed: authentication failure",
  ]);
  assert.ok(!JSON.stringify(d.actions).includes("wrong"));
  d.command(`AUTH PLAIN ${b64("\0alice\0wrong")}`);
  assert.deepEqual(
    d.send({ type: "auth-result", outcome: { ok: false, temporary: false } }),
    [
      "535 5.7.8 Error: authentication failed: authentication failure",
      "421 4.7.0 mx.example.org Error: too many failed authentications",
    ],
  );
  assert.equal(d.session.phase, "closed");
  assert.match(d.logs().at(-1)!, / auth=0\/2 /);
});

Deno.test("a password check that cannot be made is a temporary failure", () => {
  const d = secured();
  d.command(`AUTH PLAIN ${b64("\0alice\0pw")}`);
  assert.deepEqual(
    d.send({ type: "auth-result", outcome: { ok: false, temporary: true } }),
    ["454 4.7.0 Temporary authentication failure"],
  );
  assert.equal(d.session.authFailures, 0);
});

Deno.test("disable_vrfy_command: 502 5.5.1 and VRFY is not offered", () => {
  const d = session({ disable_vrfy_command: true });
  assert.ok(!ehloKeywords(d).includes("VRFY"));
  assert.deepEqual(d.command("VRFY alice"), [
    "502 5.5.1 VRFY command is disabled",
  ]);
});

Deno.test("AUTH over smtpd_client_auth_rate_limit gets the limit's reply, not a password check", () => {
  const d = secured();
  d.command(`AUTH PLAIN ${b64("\0alice\0pw")}`);
  assert.deepEqual(
    d.send({
      type: "auth-result",
      outcome: {
        ok: false,
        temporary: true,
        refusal: {
          code: 450,
          dsn: "4.7.1",
          text: "Error: too many AUTH commands from 192.0.2.9",
        },
      },
    }),
    ["450 4.7.1 Error: too many AUTH commands from 192.0.2.9"],
  );
  assert.equal(d.session.authenticatedUser, null);
});
