/**
 * The queue manager's side of the SMTP client (smtp_client_proxy.ts):
 * one client for all transactions, started on the first, the
 * configuration sent once per object, a failed client's transactions
 * failed, an idle client let go.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import type { SmtpMessage } from "../../../src/delivery/smtp/smtp_agent.ts";
import { DeliveryError } from "../../../src/delivery/types.ts";
import { createSmtpClientProxy } from "../../../src/master/smtp_client_proxy.ts";
import {
  type SmtpClientAnswer,
  type SmtpClientRequest,
  wireError,
} from "../../../src/master/smtp_client_protocol.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import {
  CONTENT,
  eventually,
  fakeWorkerLink,
  queuedContent,
} from "./fixtures/agent_channel.ts";

function message(queueId: string, withSource = true): SmtpMessage {
  return {
    ...queuedContent(queueId, withSource),
    sender: "alice@example.test",
    recipients: [{ address: "bob@remote.test" }],
  };
}

const SENT = {
  results: [{ outcome: "sent", dsn: "2.0.0", reason: "ok", relay: "x" }],
  reached: true,
} as const;

Deno.test("one client serves every transaction; the configuration crosses once per object", async () => {
  const fake = fakeWorkerLink<SmtpClientRequest>();
  const proxy = createSmtpClientProxy(fake.link, { maxIdleMs: () => 60_000 });
  const config: Config = baseTestConfig();
  try {
    const first = proxy.agent(message("A"), "[relay.test]", config);
    const second = proxy.agent(message("B", false), "[relay.test]", config);
    await eventually(() => fake.requests.length === 2 || undefined);
    assert.equal(fake.started.length, 1);
    const [a, b] = fake.requests;
    assert.equal(a.config?.myhostname, config.myhostname);
    assert.equal(b.config, undefined);
    assert.equal(b.configId, a.configId);
    assert.equal(a.message.source?.path, "/queue/active/A");
    assert.equal(a.message.bytes, undefined);
    // Not from a queue file: the bytes go along instead.
    assert.deepEqual(b.message.bytes, CONTENT);
    assert.equal("content" in a.message, false);
    const port = fake.started[0].port;
    // Answers in another order than asked still find their callers.
    port.postMessage(
      {
        kind: "failed",
        request: b.request,
        error: wireError(new DeliveryError("no", false, "5.3.0")),
      } satisfies SmtpClientAnswer,
    );
    port.postMessage(
      { kind: "delivered", request: a.request, delivery: SENT },
    );
    assert.deepEqual(await first, SENT);
    await assert.rejects(second, (error) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.temporary, false);
      assert.equal(error.dsn, "5.3.0");
      return true;
    });
    // A reloaded configuration is a new object: it crosses again.
    const reloaded = { ...config };
    void proxy.agent(message("C"), "[relay.test]", reloaded).catch(() => {});
    await eventually(() => fake.requests.length === 3 || undefined);
    assert.ok(fake.requests[2].config !== undefined);
    assert.ok(fake.requests[2].configId > a.configId);
  } finally {
    proxy.stop();
  }
  assert.deepEqual(fake.retired, [1]);
});

Deno.test("a failed client fails its transactions; the next one starts another", async () => {
  const fake = fakeWorkerLink<SmtpClientRequest>();
  const proxy = createSmtpClientProxy(fake.link, { maxIdleMs: () => 60_000 });
  const config = baseTestConfig();
  try {
    const lost = proxy.agent(message("A"), "[relay.test]", config);
    await eventually(() => fake.requests.length === 1 || undefined);
    proxy.failed(7, "not this one"); // another generation: ignored
    proxy.failed(1, "out of memory");
    await assert.rejects(
      lost,
      /the SMTP client thread failed: out of memory/,
    );
    void proxy.agent(message("B"), "[relay.test]", config).catch(() => {});
    await eventually(() => fake.started.length === 2 || undefined);
    assert.equal(fake.started[1].generation, 2);
    await eventually(() => fake.requests.length === 2 || undefined);
    // The new client has not seen the configuration yet.
    assert.ok(fake.requests[1].config !== undefined);
  } finally {
    proxy.stop();
  }
});

Deno.test("a client is let go after max_idle with nothing under way, not before", async () => {
  const fake = fakeWorkerLink<SmtpClientRequest>();
  let now = 0;
  const proxy = createSmtpClientProxy(fake.link, {
    maxIdleMs: () => 100_000,
    now: () => now,
    checkEveryMs: 1,
  });
  const config = baseTestConfig();
  try {
    const pending = proxy.agent(message("A"), "[relay.test]", config);
    await eventually(() => fake.requests.length === 1 || undefined);
    now = 500_000; // long past max_idle, but a transaction is under way
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fake.retired, []);
    fake.started[0].port.postMessage({
      kind: "delivered",
      request: fake.requests[0].request,
      delivery: SENT,
    });
    await pending;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fake.retired, [], "idle since its answer only");
    now += 100_000;
    await eventually(() => fake.retired.length === 1 || undefined);
    assert.deepEqual(fake.retired, [1]);
    // The next transaction starts a new client.
    void proxy.agent(message("B"), "[relay.test]", config).catch(() => {});
    await eventually(() => fake.started.length === 2 || undefined);
  } finally {
    proxy.stop();
  }
});
