/**
 * The SMTP delivery agent against a DNS server and scripted SMTP servers
 * on loopback: MX order and fallback, NXDOMAIN, SERVFAIL, null MX, the
 * implicit MX, refused connections, a 5xx greeting, SASL credentials and
 * their file's mode, the loop to myself, one transaction per nexthop.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createResolver } from "../../../../src/dns/resolver.ts";
import { createMapCache } from "../../../../src/maps/mod.ts";
import {
  createSmtpAgent,
  type SmtpAgent,
  type SmtpMessage,
} from "../../../../src/delivery/smtp/smtp_agent.ts";
import type { DeliveryResult } from "../../../../src/delivery/types.ts";
import { createDestinationScheduler } from "../../../../src/delivery/destination_scheduler.ts";
import { createTransactionBatcher } from "../../../../src/delivery/smtp/transaction_batcher.ts";
import type { Config } from "../../../../src/config/types.ts";
import { baseTestConfig } from "../../../helpers/test_config.ts";
import { makeTestCertificates } from "../../../helpers/tls_certs.ts";
import {
  startDnsServer,
  type TestDnsServer,
  type TestZone,
} from "../../../helpers/dns_server.ts";
import {
  type FakeSmtpScript,
  type FakeSmtpServer,
  startFakeSmtpServer,
} from "../../../helpers/fake_smtp_server.ts";

const a = (name: string, data: string) => ({ type: "A" as const, name, data });
const mx = (name: string, preference: number, exchange: string) => ({
  type: "MX" as const,
  name,
  data: { preference, exchange },
});

function message(recipients: string[]): SmtpMessage {
  const bytes = new TextEncoder().encode("Subject: t\n\nhello\n");
  return {
    queueId: "TESTQUEUEID0001",
    sender: "alice@home.test",
    recipients: recipients.map((address) => ({ address })),
    size: bytes.length,
    content: () => Promise.resolve(new Blob([bytes]).stream()),
  };
}

interface World {
  dns: TestDnsServer;
  server: FakeSmtpServer;
  config: (more?: Partial<Config>) => Config;
  /** The agent, with the per-recipient results only. */
  agent: (...args: Parameters<SmtpAgent>) => Promise<DeliveryResult[]>;
  /** The agent as the router sees it. */
  raw: SmtpAgent;
}

async function withWorld(
  zone: (port: number) => TestZone,
  script: FakeSmtpScript,
  fn: (world: World) => Promise<void>,
) {
  const server = await startFakeSmtpServer(script);
  const dns = await startDnsServer(zone(server.port));
  const resolver = createResolver({
    resolvConf: () => ({
      servers: [{ address: "127.0.0.1", port: dns.port }],
      timeout: 2000,
      attempts: 1,
      rotate: false,
    }),
  });
  const raw = createSmtpAgent({ maps: createMapCache(), resolver });
  try {
    await fn({
      dns,
      server,
      raw,
      agent: async (...args) => (await raw(...args)).results,
      config: (more = {}) =>
        baseTestConfig({
          myhostname: "home.test",
          smtp_helo_name: "home.test",
          smtp_tls_security_level: "none",
          smtp_connect_timeout: 2,
          ...more,
        }),
    });
  } finally {
    await dns.close();
    await server.close();
  }
}

const ZONE = (_port: number): TestZone => ({
  records: {
    "far.test": [
      mx("far.test", 10, "dead.far.test"),
      mx("far.test", 20, "mx.far.test"),
    ],
    "dead.far.test": [a("dead.far.test", "127.0.0.2")],
    "mx.far.test": [a("mx.far.test", "127.0.0.1")],
    "plain.test": [a("plain.test", "127.0.0.1")],
    "nomail.test": [mx("nomail.test", 0, ".")],
    "loop.test": [mx("loop.test", 10, "home.test")],
    "home.test": [a("home.test", "127.0.0.1")],
  },
  nxdomain: ["gone.test"],
  servfail: ["broken.test"],
});

Deno.test("MX hosts in preference order: a refused connection moves on to the next", async () => {
  await withWorld(ZONE, {}, async ({ server, agent, config }) => {
    const [result] = await agent(
      message(["bob@far.test"]),
      `far.test:${server.port}`,
      config(),
    );
    assert.equal(result.outcome, "sent");
    assert.equal(result.relay, `mx.far.test[127.0.0.1]:${server.port}`);
    assert.match(result.reason, /^250 2\.0\.0 Ok/);
    assert.equal(server.messages.length, 1);
  });
});

Deno.test("DNS decides before connecting: NXDOMAIN bounces, SERVFAIL defers, null MX bounces", async () => {
  await withWorld(ZONE, {}, async ({ server, agent, config }) => {
    const gone = await agent(message(["x@gone.test"]), "gone.test", config());
    assert.deepEqual([gone[0].outcome, gone[0].dsn], ["bounced", "5.4.4"]);
    assert.match(
      gone[0].reason,
      /^Host or domain name not found\. Name service error for name=gone\.test type=MX: Host not found$/,
    );
    const broken = await agent(
      message(["x@broken.test"]),
      "broken.test",
      config(),
    );
    assert.deepEqual([broken[0].outcome, broken[0].dsn], ["deferred", "4.4.3"]);
    const nomail = await agent(
      message(["x@nomail.test"]),
      "nomail.test",
      config(),
    );
    assert.deepEqual([nomail[0].outcome, nomail[0].dsn], ["bounced", "5.1.10"]);
    assert.equal(server.messages.length, 0);
  });
});

Deno.test("no MX: the domain's own address; an unreachable resolver defers", async () => {
  await withWorld(ZONE, {}, async ({ server, agent, config }) => {
    const [plain] = await agent(
      message(["x@plain.test"]),
      `plain.test:${server.port}`,
      config(),
    );
    assert.equal(plain.outcome, "sent");
  });
  const offline = createSmtpAgent({
    maps: createMapCache(),
    resolver: createResolver({
      resolvConf: () => ({
        servers: [{ address: "127.0.0.1", port: 9 }],
        timeout: 200,
        attempts: 1,
        rotate: false,
      }),
    }),
  });
  const delivery = await offline(
    message(["x@far.test"]),
    "far.test",
    baseTestConfig(),
  );
  const [result] = delivery.results;
  assert.deepEqual([result.outcome, result.dsn], ["deferred", "4.4.3"]);
  // The destination as a whole is unreachable: the scheduler's business.
  assert.equal(delivery.reached, false);
  assert.equal(delivery.unreachable?.dsn, "4.4.3");
});

Deno.test("no host takes the mail: deferred with the last connection failure", async () => {
  await withWorld(ZONE, {}, async ({ agent, config }) => {
    const [result] = await agent(
      message(["x@far.test"]),
      "[127.0.0.2]:9",
      config(),
    );
    assert.equal(result.outcome, "deferred");
    assert.match(
      result.reason,
      /^connect to 127\.0\.0\.2\[127\.0\.0\.2\]:9: Connection refused$/,
    );
  });
});

Deno.test("a 5xx greeting moves on; the last host's 5xx greeting bounces", async () => {
  await withWorld(
    ZONE,
    { greeting: "554 5.7.1 No service" },
    async ({ server, agent, config }) => {
      const [result] = await agent(
        message(["x@plain.test"]),
        `[127.0.0.1]:${server.port}`,
        config(),
      );
      assert.deepEqual([result.outcome, result.dsn], ["bounced", "5.7.1"]);
      assert.match(
        result.reason,
        /refused to talk to me: 554 5\.7\.1 No service/,
      );
    },
  );
});

Deno.test("an MX that points back at this host: mail loops back to myself", async () => {
  await withWorld(ZONE, {}, async ({ agent, config }) => {
    const [result] = await agent(
      message(["x@loop.test"]),
      "loop.test",
      config(),
    );
    assert.deepEqual([result.outcome, result.dsn], ["bounced", "5.4.6"]);
    assert.equal(result.reason, "mail for loop.test loops back to myself");
  });
});

Deno.test("SASL: credentials by nexthop from a private table; a table others can read is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const table = join(dir, "sasl_passwd");
    await withWorld(
      ZONE,
      { auth: { user: "jo", password: "pw" } },
      async ({ server, agent, config }) => {
        const nexthop = `[127.0.0.1]:${server.port}`;
        await Deno.writeTextFile(table, `${nexthop} jo:pw\n`, { mode: 0o600 });
        await Deno.chmod(table, 0o600);
        const settings = config({
          smtp_sasl_auth_enable: true,
          smtp_sasl_password_maps: `hash:${table}`,
          smtp_sasl_security_options: ["noanonymous"],
          // A fresh session each time, so the table is read each time.
          smtp_connection_cache_time_limit: 0,
        });
        const [sent] = await agent(message(["x@far.test"]), nexthop, settings);
        assert.equal(sent.outcome, "sent");
        assert.ok(
          server.transcripts[0].some((l) => l.startsWith("AUTH PLAIN ")),
        );
        await Deno.chmod(table, 0o644);
        const [refused] = await agent(
          message(["x@far.test"]),
          nexthop,
          settings,
        );
        assert.deepEqual([refused.outcome, refused.dsn], ["deferred", "4.7.0"]);
        assert.match(
          refused.reason,
          /is readable by others; it holds passwords/,
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recipients of one message at one nexthop share one transaction", async () => {
  await withWorld(ZONE, {}, async ({ server, raw, config }) => {
    const send = createTransactionBatcher(
      raw,
      createDestinationScheduler({ initial: () => 5, deadFor: () => 1000 }),
    );
    const base = message([]);
    const one = (recipient: string) =>
      send(
        { ...base, recipient, arrivalTime: 0 },
        `[127.0.0.1]:${server.port}`,
        config(),
      );
    const results = await Promise.all([
      one("a@far.test"),
      one("b@far.test"),
      one("c@far.test"),
    ]);
    assert.deepEqual(results.map((r) => r.outcome), ["sent", "sent", "sent"]);
    assert.equal(server.transcripts.length, 1);
    assert.deepEqual(server.messages.map((m) => m.recipients), [[
      "a@far.test",
      "b@far.test",
      "c@far.test",
    ]]);
  });
});

Deno.test("a destination no host answers is left alone; its next messages wait without a connection", async () => {
  await withWorld(ZONE, {}, async ({ raw, config }) => {
    let now = 1_000_000;
    let attempts = 0;
    const counting: SmtpAgent = (...args) => {
      attempts++;
      return raw(...args);
    };
    const send = createTransactionBatcher(
      counting,
      createDestinationScheduler({
        now: () => now,
        initial: () => 5,
        deadFor: () => 300_000,
      }),
    );
    const base = message([]);
    const one = (queueId: string) =>
      send(
        { ...base, queueId, recipient: "x@far.test", arrivalTime: 0 },
        "[127.0.0.2]:9",
        config(),
      );
    const first = await one("Q1");
    assert.match(first.reason, /^connect to .*Connection refused$/);
    const second = await one("Q2");
    assert.equal(second.outcome, "deferred");
    assert.match(
      second.reason,
      /^delivery temporarily suspended: connect to .*Connection refused$/,
    );
    assert.equal(attempts, 1, "no connection for the second message");
    now += 300_001;
    await one("Q3");
    assert.equal(attempts, 2, "tried again after minimal_backoff_time");
  });
});

Deno.test("DSN: NOTIFY and ORCPT go on to a server that offers DSN; without it, a SUCCESS request is answered here as relayed", async () => {
  for (const offersDsn of [true, false]) {
    await withWorld(
      ZONE,
      { extensions: offersDsn ? ["PIPELINING", "DSN"] : ["PIPELINING"] },
      async ({ server, raw, config }) => {
        const send = createTransactionBatcher(
          raw,
          createDestinationScheduler({ initial: () => 5, deadFor: () => 1000 }),
        );
        const result = await send(
          {
            ...message([]),
            recipient: "bob@far.test",
            arrivalTime: 0,
            dsn: {
              ret: "HDRS",
              envid: "id 1",
              notify: ["SUCCESS", "FAILURE"],
              orcpt: { type: "rfc822", address: "Bob+x@far.test" },
            },
          },
          `[127.0.0.1]:${server.port}`,
          config(),
        );
        assert.equal(result.outcome, "sent");
        const [mail, rcpt] = server.transcripts[0].slice(1, 3);
        if (offersDsn) {
          assert.match(mail, / RET=HDRS ENVID=id\+201$/);
          assert.equal(
            rcpt,
            "RCPT TO:<bob@far.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@far.test",
          );
          assert.equal(result.dsnAction, undefined);
        } else {
          assert.equal(rcpt, "RCPT TO:<bob@far.test>");
          assert.equal(result.dsnAction, "relayed");
        }
      },
    );
  }
});

Deno.test("the next message to the same nexthop reuses the open session; a session the server closed is replaced", async () => {
  await withWorld(ZONE, {}, async ({ server, agent, config }) => {
    const nexthop = `[127.0.0.1]:${server.port}`;
    for (const who of ["a", "b", "c"]) {
      const [result] = await agent(
        message([`${who}@far.test`]),
        nexthop,
        config(),
      );
      assert.equal(result.outcome, "sent");
    }
    assert.equal(server.transcripts.length, 1, "one connection");
    assert.equal(server.messages.length, 3);
    assert.deepEqual(
      server.transcripts[0].filter((l) => l === "EHLO home.test").length,
      1,
    );
  });
  // The server closes each session after its message: the cached one is
  // found dead at MAIL FROM and the mail goes on a fresh connection.
  await withWorld(
    ZONE,
    { closeAfterMessage: true },
    async ({ server, agent, config }) => {
      const nexthop = `[127.0.0.1]:${server.port}`;
      for (const who of ["a", "b"]) {
        const [result] = await agent(
          message([`${who}@far.test`]),
          nexthop,
          config(),
        );
        assert.equal(result.outcome, "sent", result.reason);
      }
      assert.equal(server.transcripts.length, 2);
      assert.equal(server.messages.length, 2);
    },
  );
});

Deno.test("smtp_tls_wrappermode: TLS from the first byte, the certificate checked at verify", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const certs = await makeTestCertificates(dir);
    const tls = {
      cert: await Deno.readTextFile(certs.certFile),
      key: await Deno.readTextFile(certs.keyFile),
    };
    await withWorld(
      ZONE,
      { tls, implicitTls: true },
      async ({ server, agent, config }) => {
        const settings = config({
          smtp_tls_wrappermode: true,
          smtp_tls_security_level: "verify",
          smtp_tls_CAfile: certs.caFile,
          smtp_host_lookup: ["native"],
          smtp_connection_cache_time_limit: 0,
        });
        // Without the CA the certificate does not verify: nothing is sent.
        const [refused] = await agent(
          message(["bob@far.test"]),
          `[localhost]:${server.port}`,
          { ...settings, smtp_tls_CAfile: "" },
        );
        assert.equal(refused.outcome, "deferred");
        assert.match(refused.reason, /certificate/);
        assert.equal(server.messages.length, 0);
        const [result] = await agent(
          message(["bob@far.test"]),
          `[localhost]:${server.port}`,
          settings,
        );
        assert.equal(result.outcome, "sent", result.reason);
        assert.equal(server.messages.length, 1);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a named lmtp transport: inet: nexthop, LHLO, per-recipient replies, its own sessions", async () => {
  await withWorld(ZONE, {
    lmtp: { finals: { "gone@far.test": "550 5.1.1 no such user" } },
  }, async ({ server, agent, config }) => {
    const results = await agent(
      message(["bob@far.test", "gone@far.test"]),
      `inet:[127.0.0.1]:${server.port}`,
      config(),
      { name: "lmtp-amavis", lmtp: true },
    );
    assert.deepEqual(results.map((r) => [r.outcome, r.dsn]), [
      ["sent", "2.0.0"],
      ["bounced", "5.1.1"],
    ]);
    assert.equal(server.transcripts[0][0], "LHLO home.test");
  });
});
