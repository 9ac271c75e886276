/**
 * The SMTP client session against a scripted server on loopback:
 * per-recipient replies, pipelining, HELO fallback, SIZE, refusals,
 * timeouts, dropped connections, STARTTLS, AUTH, loops.
 */
import assert from "node:assert/strict";
import { SmtpClientConnection } from "../../../../src/delivery/smtp/client_connection.ts";
import {
  DEFAULT_TIMEOUTS,
  type Envelope,
  openClientSession,
  SessionFailure,
  type SessionSettings,
} from "../../../../src/delivery/smtp/client_session.ts";
import {
  type FakeSmtpScript,
  type FakeSmtpServer,
  startFakeSmtpServer,
} from "../../../helpers/fake_smtp_server.ts";
import { makeTestCertificates } from "../../../helpers/tls_certs.ts";

function envelope(
  recipients: string[],
  content = "Subject: hi\n\nbody\n.dot\n",
): Envelope {
  const bytes = new TextEncoder().encode(content);
  return {
    sender: "alice@home.test",
    recipients: recipients.map((address) => ({ address })),
    size: bytes.length,
    body: "8BITMIME",
    content: () => new Blob([bytes]).stream(),
  };
}

const SHORT = {
  ...DEFAULT_TIMEOUTS,
  rcpt: 300,
  mail: 300,
  dataInit: 300,
  helo: 2000,
};

async function withServer(
  script: FakeSmtpScript,
  fn: (server: FakeSmtpServer, settings: SessionSettings) => Promise<void>,
) {
  const server = await startFakeSmtpServer(script);
  try {
    await fn(server, {
      heloName: "home.test",
      timeouts: SHORT,
      peer: `fake.test[127.0.0.1]:${server.port}`,
      startTls: "skip",
    });
  } finally {
    await server.close();
  }
}

async function connect(server: FakeSmtpServer) {
  return await SmtpClientConnection.open("127.0.0.1", server.port, 2000);
}

Deno.test("pipelined: one write for MAIL, RCPTs and DATA; each recipient gets its own reply", async () => {
  await withServer({
    extensions: ["PIPELINING", "SIZE 100000", "8BITMIME"],
    rcpt: {
      "gone@far.test": "550 5.1.1 <gone@far.test>: User unknown",
      "later@far.test": "450 4.2.0 Greylisted",
    },
  }, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    const outcomes = await session.send(
      envelope(["bob@far.test", "gone@far.test", "later@far.test"]),
    );
    await session.quit();
    assert.deepEqual(outcomes.map((o) => [o.address, o.status, o.dsn]), [
      ["bob@far.test", "sent", "2.0.0"],
      ["gone@far.test", "bounced", "5.1.1"],
      ["later@far.test", "deferred", "4.2.0"],
    ]);
    assert.match(
      outcomes[1].reason,
      /^host fake\.test\[127\.0\.0\.1\]:\d+ said: 550 5\.1\.1 <gone@far\.test>: User unknown \(in reply to RCPT TO command\)$/,
    );
    assert.match(
      server.transcripts[0][1],
      /^MAIL FROM:<alice@home\.test> SIZE=\d+ BODY=8BITMIME$/,
    );
    assert.deepEqual(server.messages.map((m) => [m.recipients, m.data]), [
      [["bob@far.test"], "Subject: hi\r\n\r\nbody\r\n..dot\r\n"],
    ]);
  });
});

Deno.test("EHLO refused: HELO, and no ESMTP parameters", async () => {
  await withServer({ extensions: null }, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    const [outcome] = await session.send(envelope(["bob@far.test"]));
    await session.quit();
    assert.equal(outcome.status, "sent");
    assert.deepEqual(server.transcripts[0].slice(0, 4), [
      "EHLO home.test",
      "HELO home.test",
      "MAIL FROM:<alice@home.test>",
      "RCPT TO:<bob@far.test>",
    ]);
  });
});

Deno.test("a message over the server's SIZE is not sent; MAIL refused bounces everyone; a 4xx final reply defers", async () => {
  await withServer({ extensions: ["SIZE 10"] }, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    const [big] = await session.send(envelope(["bob@far.test"]));
    assert.equal(big.status, "bounced");
    assert.equal(big.dsn, "5.3.4");
    assert.match(big.reason, /exceeds size limit 10 of server/);
    await session.quit();
    assert.equal(server.messages.length, 0);
  });
  await withServer(
    { extensions: [], mail: "553 5.7.1 Sender refused" },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), settings);
      const outcomes = await session.send(
        envelope(["a@far.test", "b@far.test"]),
      );
      assert.deepEqual(outcomes.map((o) => o.status), ["bounced", "bounced"]);
      assert.match(outcomes[0].reason, /in reply to MAIL FROM command/);
      await session.quit();
    },
  );
  await withServer(
    { final: "451 4.3.0 Try later" },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), settings);
      const [outcome] = await session.send(envelope(["bob@far.test"]));
      assert.deepEqual([outcome.status, outcome.dsn], ["deferred", "4.3.0"]);
      assert.match(outcome.reason, /in reply to end of DATA command/);
      await session.quit();
    },
  );
});

Deno.test("a dropped connection and a silent server defer, naming what was being done", async () => {
  await withServer(
    { dropAt: "DATA", extensions: [] },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), settings);
      const [outcome] = await session.send(envelope(["bob@far.test"]));
      assert.equal(outcome.status, "deferred");
      assert.match(
        outcome.reason,
        /^lost connection with .* while sending DATA$/,
      );
      assert.equal(session.usable, false);
      await session.quit();
    },
  );
  await withServer(
    { silentAt: "RCPT", extensions: [] },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), settings);
      const [outcome] = await session.send(envelope(["bob@far.test"]));
      assert.equal(outcome.status, "deferred");
      assert.match(
        outcome.reason,
        /^conversation with .* timed out while sending RCPT TO$/,
      );
      await session.quit();
    },
  );
});

Deno.test("two messages on one connection; RSET only after an unfinished transaction", async () => {
  await withServer(
    { rcpt: { "gone@far.test": "550 5.1.1 unknown" } },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), settings);
      await session.send(envelope(["bob@far.test"]));
      await session.send(envelope(["gone@far.test"]));
      await session.send(envelope(["carol@far.test"]));
      await session.quit();
      const verbs = server.transcripts[0].map((l) => l.split(/[ :]/)[0]);
      assert.deepEqual(verbs, [
        "EHLO",
        "MAIL",
        "RCPT",
        "DATA",
        "MAIL",
        "RCPT",
        "DATA",
        "RSET",
        "MAIL",
        "RCPT",
        "DATA",
        "QUIT",
      ]);
      assert.equal(server.messages.length, 2);
    },
  );
});

Deno.test("STARTTLS when offered: EHLO again under TLS, the untrusted certificate reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const certs = await makeTestCertificates(dir);
    const tls = {
      cert: await Deno.readTextFile(certs.certFile),
      key: await Deno.readTextFile(certs.keyFile),
    };
    await withServer({ tls }, async (server, settings) => {
      const session = await openClientSession(await connect(server), {
        ...settings,
        startTls: "use",
        upgrade: (c) =>
          c.startTls({ servername: "localhost", verify: false }, 2000),
      });
      assert.equal(session.tls?.trusted, false);
      const [outcome] = await session.send(envelope(["bob@far.test"]));
      await session.quit();
      assert.equal(outcome.status, "sent");
      assert.deepEqual(server.transcripts[0].slice(0, 3), [
        "EHLO home.test",
        "STARTTLS",
        "EHLO home.test",
      ]);
    });
    // With the CA given, the same certificate verifies.
    await withServer({ tls }, async (server, settings) => {
      const session = await openClientSession(await connect(server), {
        ...settings,
        startTls: "require",
        upgrade: (c) =>
          c.startTls({
            servername: "localhost",
            verify: true,
            ca: Deno.readTextFileSync(certs.caFile),
          }, 2000),
      });
      assert.equal(session.tls?.trusted, true);
      await session.quit();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TLS required but not offered: a temporary failure, nothing sent", async () => {
  await withServer({}, async (server, settings) => {
    const error = await openClientSession(await connect(server), {
      ...settings,
      startTls: "require",
      upgrade: () => Promise.reject(new Error("unused")),
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof SessionFailure);
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.7.4");
    assert.match(error.message, /TLS is required, but was not offered by host/);
  });
});

Deno.test("AUTH: PLAIN accepted, LOGIN when only LOGIN is offered, none in plaintext by default, bad password deferred", async () => {
  const credentials = { user: "jo@isp.test", password: "pw" };
  const plaintextOk = {
    plain: new Set(["noanonymous"]),
    tls: new Set(["noanonymous"]),
  };
  await withServer({ auth: credentials }, async (server, settings) => {
    const session = await openClientSession(await connect(server), {
      ...settings,
      credentials,
      saslOptions: plaintextOk,
    });
    assert.equal(session.authenticated, true);
    await session.quit();
    assert.match(server.transcripts[0][1], /^AUTH PLAIN /);
  });
  await withServer(
    { auth: { ...credentials, mechanisms: "LOGIN" } },
    async (server, settings) => {
      const session = await openClientSession(await connect(server), {
        ...settings,
        credentials,
        saslOptions: plaintextOk,
      });
      assert.equal(session.authenticated, true);
      await session.quit();
    },
  );
  await withServer({ auth: credentials }, async (server, settings) => {
    const error = await openClientSession(await connect(server), {
      ...settings,
      credentials,
    })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof SessionFailure);
    assert.match(error.message, /without TLS/);
    assert.ok(
      !server.transcripts[0].some((l) => l.startsWith("AUTH")),
      "no password sent in plaintext",
    );
  });
  await withServer({ auth: credentials }, async (server, settings) => {
    const error = await openClientSession(await connect(server), {
      ...settings,
      credentials: { ...credentials, password: "wrong" },
      saslOptions: plaintextOk,
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof SessionFailure);
    assert.equal(error.temporary, true);
    assert.match(
      error.message,
      /SASL authentication failed; server .* said: 535/,
    );
  });
});

Deno.test("a server greeting with my own hostname is a mail loop", async () => {
  await withServer(
    { greeting: "220 home.test ESMTP" },
    async (server, settings) => {
      const error = await openClientSession(await connect(server), {
        ...settings,
        myHostname: "HOME.test",
        destination: "far.test",
      }).then(() => undefined, (e) => e);
      assert.ok(error instanceof SessionFailure);
      assert.deepEqual([error.temporary, error.dsn, error.message], [
        false,
        "5.4.6",
        "mail for far.test loops back to myself",
      ]);
    },
  );
});

Deno.test("LMTP: LHLO, then one final reply per accepted recipient", async () => {
  await withServer({
    lmtp: {
      finals: {
        "full@far.test": "452 4.2.2 <full@far.test>: Mailbox full",
        "gone@far.test": "550 5.1.1 <gone@far.test>: no such user",
      },
    },
    rcpt: { "refused@far.test": "550 5.7.1 refused at RCPT" },
  }, async (server, settings) => {
    const session = await openClientSession(await connect(server), {
      ...settings,
      lmtp: true,
    });
    const outcomes = await session.send(
      envelope([
        "bob@far.test",
        "refused@far.test",
        "full@far.test",
        "gone@far.test",
      ]),
    );
    // The next transaction starts clean: every final reply was read.
    const [again] = await session.send(envelope(["carol@far.test"]));
    await session.quit();
    assert.equal(server.transcripts[0][0], "LHLO home.test");
    assert.deepEqual(outcomes.map((o) => [o.address, o.status, o.dsn]), [
      ["bob@far.test", "sent", "2.0.0"],
      ["refused@far.test", "bounced", "5.7.1"],
      ["full@far.test", "deferred", "4.2.2"],
      ["gone@far.test", "bounced", "5.1.1"],
    ]);
    assert.match(outcomes[3].reason, /said: 550 5\.1\.1 .*end of DATA/);
    assert.equal(again.status, "sent");
    assert.ok(!server.transcripts[0].includes("RSET"));
  });
});

Deno.test("LMTP: a server that refuses LHLO fails the session (no HELO)", async () => {
  await withServer({ extensions: null }, async (server, settings) => {
    await assert.rejects(
      openClientSession(await connect(server), { ...settings, lmtp: true }),
      (e) => e instanceof SessionFailure && /LHLO/.test(e.message),
    );
  });
});

Deno.test("XFORWARD: the offered attributes go before MAIL FROM, xtext encoded", async () => {
  await withServer({
    extensions: ["PIPELINING", "XFORWARD NAME ADDR PROTO HELO SOURCE"],
  }, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    const [outcome] = await session.send({
      ...envelope(["bob@far.test"]),
      xforward: {
        NAME: "unknown",
        ADDR: "192.0.2.1",
        PROTO: "ESMTP",
        HELO: "odd=name",
        IDENT: "8DsBw0lSIIgfQSJ",
        SOURCE: "REMOTE",
      },
    });
    await session.quit();
    assert.equal(outcome.status, "sent");
    assert.deepEqual(server.transcripts[0].slice(1, 3), [
      "XFORWARD NAME=[UNAVAILABLE] ADDR=192.0.2.1 PROTO=ESMTP HELO=odd+3Dname SOURCE=REMOTE",
      "MAIL FROM:<alice@home.test>",
    ]);
  });
  // Not offered: not sent.
  await withServer({}, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    await session.send({
      ...envelope(["bob@far.test"]),
      xforward: { NAME: "mx.example.com" },
    });
    await session.quit();
    assert.ok(!server.transcripts[0].some((l) => l.startsWith("XFORWARD")));
  });
  // Refused: the recipients get the refusal.
  await withServer({
    extensions: ["XFORWARD NAME ADDR"],
    xforward: "550 5.7.0 Error: insufficient authorization",
  }, async (server, settings) => {
    const session = await openClientSession(await connect(server), settings);
    const [outcome] = await session.send({
      ...envelope(["bob@far.test"]),
      xforward: { NAME: "mx.example.com" },
    });
    await session.quit();
    assert.equal(outcome.status, "bounced");
    assert.match(outcome.reason, /in reply to XFORWARD command/);
  });
});
