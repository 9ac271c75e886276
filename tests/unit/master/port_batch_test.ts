/**
 * Requests and answers of one turn cross as one message (port_batch.ts),
 * through the asking side (worker_peer.ts) and the serving side
 * (worker_serve.ts) over a real MessageChannel: two deliveries asked in
 * one turn reach the Worker as one message and are both answered, a lone
 * request travels as itself, and answers of one turn come back as one.
 */
import assert from "node:assert/strict";
import { eachPosted, postPerTurn } from "../../../src/master/port_batch.ts";
import { createWorkerPeer } from "../../../src/master/worker_peer.ts";
import { serveRequests } from "../../../src/master/worker_serve.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { eventually } from "./fixtures/agent_channel.ts";

type Asked = { request: number; configId: number; text: string };
type Answered = { request: number; text: string };

Deno.test("what is posted in one turn crosses as one message, a lone one as itself", async () => {
  const { port1, port2 } = new MessageChannel();
  const seen: unknown[] = [];
  port2.onmessage = (event) => seen.push(event.data);
  try {
    const outbox = postPerTurn<{ n: number }>(port1);
    outbox.add({ n: 1 });
    outbox.add({ n: 2 });
    await eventually(() => seen.length === 1 || undefined);
    outbox.add({ n: 3 });
    await eventually(() => seen.length === 2 || undefined);
    assert.deepEqual(seen, [[{ n: 1 }, { n: 2 }], { n: 3 }]);
    const handled: unknown[] = [];
    for (const data of seen) {
      eachPosted(data as { n: number }, (m) => handled.push(m));
    }
    assert.deepEqual(handled, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  } finally {
    port1.close();
    port2.close();
  }
});

Deno.test("nothing is posted once the port is closed for the batch", async () => {
  const { port1, port2 } = new MessageChannel();
  const seen: unknown[] = [];
  port2.onmessage = (event) => seen.push(event.data);
  try {
    let closed = false;
    const outbox = postPerTurn<{ n: number }>(port1, () => closed);
    outbox.add({ n: 1 });
    closed = true;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, []);
  } finally {
    port1.close();
    port2.close();
  }
});

Deno.test("requests asked in one turn reach the Worker as one message, and each is answered", async () => {
  const arrivals: unknown[] = [];
  let served: MessagePort | undefined;
  const peer = createWorkerPeer<Asked, Answered, string>({
    start(_generation, port) {
      served = port;
      // The Worker's side, seen from outside: what arrives on its port.
      port.addEventListener("message", (event) => arrivals.push(event.data));
      serveRequests<Asked, Answered>(port, {
        answer: (asked) => Promise.resolve({ text: asked.text.toUpperCase() }),
        failure: () => ({ text: "failed" }),
      });
    },
    retire() {},
  }, {
    label: "the echo thread",
    maxIdleMs: () => 3_600_000,
    settle: (answer, resolve) => resolve(answer.text),
  });
  const config = baseTestConfig();
  const ask = (text: string) =>
    peer.ask(config, (numbers) => ({ ...numbers, text }));
  try {
    const [a, b] = await Promise.all([ask("a"), ask("b")]);
    assert.deepEqual([a, b], ["A", "B"]);
    assert.equal(arrivals.length, 1, "one message for both requests");
    assert.ok(Array.isArray(arrivals[0]));
    assert.deepEqual(
      (arrivals[0] as Asked[]).map((asked) => asked.text),
      ["a", "b"],
    );
    // A lone request travels as itself.
    assert.equal(await ask("e"), "E");
    assert.equal(arrivals.length, 2);
    assert.ok(!Array.isArray(arrivals[1]));
    assert.equal((arrivals[1] as Asked).text, "e");
  } finally {
    peer.stop();
    served?.close();
  }
});

Deno.test("answers ready in one turn go back as one message, each with its number", async () => {
  const { port1, port2 } = new MessageChannel();
  const answers: unknown[] = [];
  port1.onmessage = (event) => answers.push(event.data);
  try {
    serveRequests<Asked, Answered>(port2, {
      answer: (asked) => Promise.resolve({ text: asked.text.toUpperCase() }),
      failure: () => ({ text: "failed" }),
    });
    const config = baseTestConfig();
    port1.postMessage([
      { request: 1, configId: 1, config, text: "a" },
      { request: 2, configId: 1, text: "b" },
    ]);
    await eventually(() => answers.length === 1 || undefined);
    assert.deepEqual(answers[0], [
      { text: "A", request: 1 },
      { text: "B", request: 2 },
    ]);
  } finally {
    port1.close();
    port2.close();
  }
});
