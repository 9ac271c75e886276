/**
 * The asking side of a Worker started on demand (worker_peer.ts), with
 * this test as the Workers: a renewed Worker is let go once its requests
 * are answered while the next request goes to a new one, a failure of an
 * older generation fails only its own requests, unasked messages reach
 * their handler with a way to answer, and `stop` lets every Worker go,
 * asking to end only those that were started.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import { createWorkerPeer } from "../../../src/master/worker_peer.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { eventually, fakeWorkerLink } from "./fixtures/agent_channel.ts";

type Asked = { kind: "echo"; request: number; text: string; configId: number };
type Answered = { request: number; text: string };
type Told = { kind: "note"; text: string };

function echoPeer(
  link: ReturnType<typeof fakeWorkerLink<Asked>>["link"],
  options: { restartDelayMs?: number; heard?: Told[] } = {},
) {
  return createWorkerPeer<Asked, Answered, string, Told>(link, {
    label: "the echo thread",
    maxIdleMs: () => 3_600_000,
    settle: (answer, resolve) => resolve(answer.text),
    unasked: (told, from) => {
      options.heard?.push(told);
      from.post({ kind: "echo", request: 0, text: "noted", configId: 0 });
    },
    ...(options.restartDelayMs === undefined
      ? {}
      : { backoff: { firstDelayMs: options.restartDelayMs } }),
  });
}

const ask = (
  peer: ReturnType<typeof echoPeer>,
  text: string,
  config: Config,
) => peer.ask(config, (numbers) => ({ kind: "echo", ...numbers, text }));

Deno.test("a renewed Worker is let go once its requests are answered; the next request goes to a new one", async () => {
  const fake = fakeWorkerLink<Asked>();
  const peer = echoPeer(fake.link);
  const config = baseTestConfig();
  try {
    const early = ask(peer, "early", config);
    await eventually(() => fake.requests.length === 1 || undefined);
    peer.renew();
    const late = ask(peer, "late", config);
    await eventually(() => fake.requests.length === 2 || undefined);
    assert.deepEqual(fake.started.map((s) => s.generation), [1, 2]);
    // The new Worker gets the configuration again.
    assert.ok(fake.requests[1].configId > fake.requests[0].configId);
    assert.deepEqual(fake.retired, [], "the old one still has a request");
    // A failure of the new one leaves the old one's request waiting.
    peer.failed(2, "it fell over");
    await assert.rejects(late, /^Error: the echo thread failed: it fell over$/);
    const [old] = fake.started;
    old.port.postMessage({ request: fake.requests[0].request, text: "done" });
    assert.equal(await early, "done");
    await eventually(() => fake.retired.length === 1 || undefined);
    assert.deepEqual(fake.retired, [1]);
  } finally {
    peer.stop();
  }
});

Deno.test("a message the Worker sends of itself reaches its handler, which may answer", async () => {
  const fake = fakeWorkerLink<Asked>();
  const heard: Told[] = [];
  const peer = echoPeer(fake.link, { heard });
  try {
    void ask(peer, "a", baseTestConfig()).catch(() => {});
    await eventually(() => fake.started.length === 1 || undefined);
    fake.started[0].port.postMessage({ kind: "note", text: "hello" });
    await eventually(() => heard.length === 1 || undefined);
    assert.deepEqual(heard, [{ kind: "note", text: "hello" }]);
    await eventually(() => fake.requests.length === 2 || undefined);
    assert.equal(fake.requests[1].text, "noted");
  } finally {
    peer.stop();
  }
});

Deno.test("stop lets every Worker go, and asks to end only those started", async () => {
  const fake = fakeWorkerLink<Asked>();
  const peer = echoPeer(fake.link, { restartDelayMs: 60_000 });
  const config = baseTestConfig();
  const first = ask(peer, "a", config);
  await eventually(() => fake.started.length === 1 || undefined);
  peer.failed(1, "gone");
  await assert.rejects(first, /the echo thread failed: gone/);
  // Within the backoff: the request waits, no Worker is asked for.
  const waiting = ask(peer, "b", config);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assert.equal(fake.started.length, 1);
  peer.stop();
  await assert.rejects(waiting, /^Error: the echo thread stopped$/);
  assert.deepEqual(fake.retired, []);
  assert.equal(fake.started.length, 1);
});
