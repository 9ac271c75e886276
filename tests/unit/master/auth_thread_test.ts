/**
 * smtpd's auth proxy and the master's auth threads, wired as the daemon
 * wires them (through the master's messages) with a stand-in worker: a
 * thread that dies fails the check under way and the next AUTH starts a
 * new one; within the restart backoff a new thread is refused at once;
 * a reload with new grants sends the next AUTH to a new thread.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import { createAuthProxy } from "../../../src/master/auth_proxy.ts";
import { createAuthThreads } from "../../../src/master/auth_thread.ts";

const WORKER = new URL("./fixtures/crashing_auth_worker.ts", import.meta.url);
const CONFIG = { max_idle: 100 } as Config;

/** A proxy and the threads behind it, as smtpd's thread and the master. */
function wire(
  restartDelayMs: number,
  grants: () => { read: true | string[] } = () => ({ read: true }),
) {
  const starts: number[] = [];
  // deno-lint-ignore prefer-const
  let proxy: ReturnType<typeof createAuthProxy>;
  const threads = createAuthThreads({
    foreground: false,
    workerUrl: WORKER,
    restartDelayMs,
    permissions: () => ({ ...grants(), net: false, write: false }),
    tell: (message) =>
      message.kind === "auth-renew"
        ? proxy.renew()
        : proxy.failed(message.generation, message.error),
  });
  proxy = createAuthProxy({
    start: (generation, port) => {
      starts.push(generation);
      threads.handle({ kind: "auth-start", generation, port }, CONFIG);
    },
    retire: (generation) =>
      threads.handle({ kind: "auth-retire", generation }, CONFIG),
  }, { maxIdleMs: () => 3_600_000 });
  return {
    starts,
    threads,
    proxy,
    end() {
      proxy.stop();
      threads.end();
    },
  };
}

Deno.test("a crashed auth thread fails the AUTH under way; the next AUTH starts a new one", async () => {
  const t = wire(0);
  try {
    assert.equal(await t.proxy.authenticate("carol", "right", CONFIG), "carol");
    assert.equal(
      await t.proxy.authenticate("carol", "wrong", CONFIG),
      undefined,
    );
    await assert.rejects(
      t.proxy.authenticate("crash", "right", CONFIG),
      /^Error: the auth thread failed: Error: the auth thread fell over$/,
    );
    assert.equal(await t.proxy.authenticate("dave", "right", CONFIG), "dave");
    assert.deepEqual(t.starts, [1, 2]);
  } finally {
    t.end();
  }
});

Deno.test("within the restart backoff the next AUTH fails at once, without a thread", async () => {
  const t = wire(60_000);
  try {
    await assert.rejects(
      t.proxy.authenticate("crash", "right", CONFIG),
      /auth thread fell over/,
    );
    await assert.rejects(
      t.proxy.authenticate("carol", "right", CONFIG),
      /^Error: the auth thread failed: restarting after a failure in 60 s$/,
    );
  } finally {
    t.end();
  }
});

Deno.test("a reload that changes the auth grants sends the next AUTH to a new thread", async () => {
  let read: true | string[] = true;
  const t = wire(0, () => ({ read }));
  try {
    assert.equal(await t.proxy.authenticate("carol", "right", CONFIG), "carol");
    t.threads.reloaded(CONFIG);
    assert.equal(await t.proxy.authenticate("carol", "right", CONFIG), "carol");
    assert.deepEqual(t.starts, [1]);
    read = ["/etc/mailsrv"];
    t.threads.reloaded(CONFIG);
    assert.equal(await t.proxy.authenticate("carol", "right", CONFIG), "carol");
    assert.deepEqual(t.starts, [1, 2]);
  } finally {
    t.end();
  }
});
