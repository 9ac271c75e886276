/**
 * The queue manager's side of local delivery (local_delivery_proxy.ts):
 * one Worker for all deliveries, started on the first, the configuration
 * sent once per object, forwarded mail written through this side's gate,
 * a failed Worker's deliveries and resubmissions failed, the next Worker
 * started after the restart backoff, an idle Worker let go.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import type { DeliveryMessage } from "../../../src/delivery/types.ts";
import type {
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
} from "../../../src/master/local_delivery_protocol.ts";
import { createLocalDeliveryProxy } from "../../../src/master/local_delivery_proxy.ts";
import type { ResubmitRequest } from "../../../src/queue/enqueue.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import {
  CONTENT,
  eventually,
  fakeWorkerLink,
  queuedContent,
} from "./fixtures/agent_channel.ts";

function message(queueId: string, withSource = true): DeliveryMessage {
  return {
    ...queuedContent(queueId, withSource),
    sender: "alice@example.test",
    recipient: "bob@localhost",
    arrivalTime: 0,
  };
}

const SENT = {
  outcome: "sent",
  dsn: "2.0.0",
  reason: "delivered to mailbox",
  relay: "local",
} as const;

/** A resubmission that reads the content and names the new message. */
function recordingResubmit() {
  const seen: { request: ResubmitRequest; text: string }[] = [];
  return {
    seen,
    resubmit: async (request: ResubmitRequest) => {
      const text = await new Response(await request.content()).text();
      seen.push({ request, text });
      return "NEWID";
    },
  };
}

Deno.test("one Worker serves every delivery; the configuration crosses once per object; bytes only without a queue file", async () => {
  const fake = fakeWorkerLink<LocalDeliveryRequest>();
  const proxy = createLocalDeliveryProxy(fake.link, {
    maxIdleMs: () => 60_000,
    resubmit: recordingResubmit().resubmit,
  });
  const config: Config = baseTestConfig();
  try {
    const first = proxy.agent({ kind: "local", message: message("A") }, config);
    const second = proxy.agent(
      {
        kind: "pipe",
        message: message("B", false),
        transport: "spamfilter",
        nexthop: "x",
      },
      config,
    );
    await eventually(() => fake.requests.length === 2 || undefined);
    assert.equal(fake.started.length, 1);
    const [a, b] = fake.requests;
    assert.ok(a.kind === "deliver" && b.kind === "deliver");
    assert.equal(a.agent.kind, "local");
    assert.ok(a.config !== undefined);
    assert.equal(b.config, undefined);
    assert.equal(a.configId, b.configId);
    assert.equal(a.agent.message.bytes, undefined);
    assert.ok(!("content" in a.agent.message));
    assert.deepEqual(b.agent.message.bytes, CONTENT);
    assert.equal(b.agent.kind === "pipe" && b.agent.transport, "spamfilter");
    const port = fake.started[0].port;
    port.postMessage({ kind: "delivered", request: b.request, result: SENT });
    port.postMessage({ kind: "delivered", request: a.request, result: SENT });
    assert.deepEqual(await first, SENT);
    assert.deepEqual(await second, SENT);
  } finally {
    proxy.stop();
  }
});

Deno.test("a local delivery's `written` stays on this side and is called when the Worker says so, before the answer", async () => {
  const fake = fakeWorkerLink<LocalDeliveryRequest>();
  const proxy = createLocalDeliveryProxy(fake.link, {
    maxIdleMs: () => 60_000,
    resubmit: recordingResubmit().resubmit,
  });
  try {
    const written: string[] = [];
    const delivering = proxy.agent({
      kind: "local",
      message: message("A"),
      written: () => written.push("A"),
    }, baseTestConfig());
    await eventually(() => fake.requests.length === 1 || undefined);
    const [a] = fake.requests;
    assert.ok(a.kind === "deliver");
    assert.ok(!("written" in a.agent), "a function does not cross");
    const port = fake.started[0].port;
    // A notice for another delivery changes nothing.
    port.postMessage({ kind: "written", delivery: a.request + 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(written, []);
    port.postMessage({ kind: "written", delivery: a.request });
    await eventually(() => written.length === 1 || undefined);
    assert.deepEqual(written, ["A"]);
    port.postMessage({ kind: "delivered", request: a.request, result: SENT });
    assert.deepEqual(await delivering, SENT);
  } finally {
    proxy.stop();
  }
});

Deno.test("forwarded mail comes back as a stream and goes through this side's gate", async () => {
  const fake = fakeWorkerLink<LocalDeliveryRequest>();
  const gate = recordingResubmit();
  const proxy = createLocalDeliveryProxy(fake.link, {
    maxIdleMs: () => 60_000,
    resubmit: gate.resubmit,
  });
  try {
    const delivery = proxy.agent(
      { kind: "local", message: message("A") },
      baseTestConfig(),
    );
    await eventually(() => fake.requests.length === 1 || undefined);
    const port = fake.started[0].port;
    const content = new Blob(["Delivered-To: bob@localhost\n", CONTENT])
      .stream();
    const asked: LocalDeliveryAnswer = {
      kind: "resubmit",
      resubmit: 7,
      sender: "alice@example.test",
      recipients: ["carol@remote.test"],
      fromQueueId: "A",
      content,
    };
    port.postMessage(asked, [content]);
    await eventually(() => fake.requests.length === 2 || undefined);
    assert.deepEqual(fake.requests[1], {
      kind: "resubmitted",
      resubmit: 7,
      id: "NEWID",
    });
    assert.equal(gate.seen.length, 1);
    assert.deepEqual(gate.seen[0].request.recipients, ["carol@remote.test"]);
    assert.equal(
      gate.seen[0].text,
      "Delivered-To: bob@localhost\nSubject: x\n\nbody\n",
    );
    const request = fake.requests[0];
    assert.ok(request.kind === "deliver");
    port.postMessage({
      kind: "delivered",
      request: request.request,
      result: { ...SENT, reason: "forwarded as NEWID" },
    });
    assert.equal((await delivery).reason, "forwarded as NEWID");
  } finally {
    proxy.stop();
  }
});

Deno.test("a failed Worker fails its deliveries and its resubmission under way; the next starts after the backoff", async () => {
  const fake = fakeWorkerLink<LocalDeliveryRequest>();
  let resubmitError: unknown;
  // The clock stands still: the backoff's 20 ms are a timer's, so a slow
  // machine cannot let the next start come "at once".
  const proxy = createLocalDeliveryProxy(fake.link, {
    maxIdleMs: () => 60_000,
    now: () => 1_000_000,
    restartDelayMs: 20,
    resubmit: async (request) => {
      try {
        await new Response(await request.content()).arrayBuffer();
      } catch (error) {
        resubmitError = error;
        throw error;
      }
      return "NEVER";
    },
  });
  const config = baseTestConfig();
  try {
    const doomed = proxy.agent(
      { kind: "local", message: message("A") },
      config,
    );
    await eventually(() => fake.requests.length === 1 || undefined);
    // A resubmission whose stream never ends: its Worker dies meanwhile.
    const content = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(CONTENT);
      },
    });
    fake.started[0].port.postMessage({
      kind: "resubmit",
      resubmit: 1,
      sender: "",
      recipients: ["carol@remote.test"],
      fromQueueId: "A",
      content,
    }, [content]);
    await new Promise((r) => setTimeout(r, 20));
    proxy.failed(1, "Uncaught Error: it fell over");
    await assert.rejects(doomed, /local delivery thread failed: .*fell over/);
    await eventually(() => resubmitError !== undefined || undefined);
    assert.match(String(resubmitError), /fell over/);

    const next = proxy.agent({ kind: "local", message: message("B") }, config);
    // Rejected by the stop below only if an assertion fails first.
    next.catch(() => {});
    // Not at once (the delivery has asked meanwhile): after the backoff.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    assert.equal(fake.started.length, 1);
    await eventually(() => fake.started.length === 2 || undefined);
    assert.equal(fake.started[1].generation, 2);
    await eventually(() => fake.requests.length === 2 || undefined);
    const request = fake.requests[1];
    assert.ok(request.kind === "deliver");
    // A new Worker gets the configuration again.
    assert.ok(request.config !== undefined);
    fake.started[1].port.postMessage({
      kind: "delivered",
      request: request.request,
      result: SENT,
    });
    assert.deepEqual(await next, SENT);
    // A failure report of an old generation changes nothing.
    proxy.failed(1, "late");
    assert.equal(fake.retired.length, 0);
  } finally {
    proxy.stop();
  }
});

Deno.test("an idle Worker is let go; the next delivery starts another", async () => {
  const fake = fakeWorkerLink<LocalDeliveryRequest>();
  const proxy = createLocalDeliveryProxy(fake.link, {
    maxIdleMs: () => 0,
    checkEveryMs: 5,
    resubmit: recordingResubmit().resubmit,
  });
  const config = baseTestConfig();
  try {
    const first = proxy.agent({ kind: "local", message: message("A") }, config);
    await eventually(() => fake.requests.length === 1 || undefined);
    const request = fake.requests[0];
    assert.ok(request.kind === "deliver");
    fake.started[0].port.postMessage({
      kind: "delivered",
      request: request.request,
      result: SENT,
    });
    await first;
    await eventually(() => fake.retired.length === 1 || undefined);
    assert.deepEqual(fake.retired, [1]);
    // Failed when the proxy stops, unanswered.
    proxy.agent({ kind: "local", message: message("B") }, config)
      .catch(() => {});
    await eventually(() => fake.started.length === 2 || undefined);
  } finally {
    proxy.stop();
  }
});
