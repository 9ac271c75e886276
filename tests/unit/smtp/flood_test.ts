/**
 * smtpd's listener under floods, over real loopback sockets with a fake
 * queue: the per-client count refused at accept, a client sending a byte
 * at a time cut off by smtpd_timeout, and idle sessions shed by the
 * stress-adaptive timeout near default_process_limit.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import { startSmtpListener } from "../../../src/smtp/server.ts";
import { smtpdRefusal } from "../../../src/smtp/admission.ts";
import { collectMaillog, FakeQueue, verifierFor } from "./fakes.ts";
import { testConfig } from "./test_config.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A bound on any wait here, so a broken server fails the test, not hangs it. */
const WATCHDOG_MS = 20_000;

/**
 * Reads until the server closes the connection; all it sent. Gives up
 * (closing the connection) after WATCHDOG_MS.
 */
async function readToClose(conn: Deno.TcpConn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  const watchdog = setTimeout(() => {
    text += "[never closed by the server]";
    try {
      conn.close();
    } catch {
      // Closed meanwhile.
    }
  }, WATCHDOG_MS);
  try {
    for (let i = 0; i < 1000; i++) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) return text;
      text += decoder.decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    clearTimeout(watchdog);
  }
}

/** Reads the greeting (one read is enough on loopback). */
async function greeting(conn: Deno.TcpConn): Promise<string> {
  const buffer = new Uint8Array(4096);
  const n = await conn.read(buffer);
  return n === null ? "" : decoder.decode(buffer.subarray(0, n));
}

async function withServer(
  overrides: Partial<Config>,
  fn: (port: number, active: () => number) => Promise<void>,
): Promise<string[]> {
  const queue = new FakeQueue();
  return await collectMaillog(async () => {
    const server = await startSmtpListener(
      { address: "127.0.0.1", port: 0, kind: "smtp" },
      {
        config: () => testConfig(overrides),
        enqueue: queue.open,
        verifyRecipient: verifierFor("alice"),
      },
    );
    try {
      await fn(server.address.port, () => server.activeSessions());
    } finally {
      await server.drain(0);
    }
  });
}

const connect = (port: number) => Deno.connect({ hostname: "127.0.0.1", port });

Deno.test("smtpd_client_connection_count_limit: the next connection gets 421 at once, without a session", async () => {
  const logs = await withServer({
    smtpd_client_connection_count_limit: 2,
    smtpd_client_event_limit_exceptions: [],
  }, async (port, active) => {
    const held = [await connect(port), await connect(port)];
    for (const c of held) assert.match(await greeting(c), /^220 /);
    const third = await connect(port);
    assert.equal(
      await readToClose(third),
      "421 4.7.0 mx.example.org Error: too many connections from 127.0.0.1\r\n",
    );
    third.close();
    assert.equal(active(), 2);
    for (const c of held) c.close();
  });
  assert.ok(
    logs.includes(
      "smtpd: warning: Connection concurrency limit exceeded: 3 from unknown[127.0.0.1] for service smtp",
    ),
    logs.join("\n"),
  );
});

Deno.test("smtpd_timeout bounds a whole command line: a byte at a time does not keep the session", async () => {
  await withServer({ smtpd_timeout: 0.3 }, async (port) => {
    const slow = await connect(port);
    assert.match(await greeting(slow), /^220 /);
    // A byte every 50 ms, never a whole line: each read is in time.
    let closed = false;
    const reply = readToClose(slow).then((text) => {
      closed = true;
      return text;
    });
    let sent = 0;
    for (; sent < 200 && !closed; sent++) {
      await slow.write(encoder.encode("H")).catch(() => 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(closed, `still open after ${sent} bytes, one every 50 ms`);
    assert.equal(
      await reply,
      "421 4.4.2 mx.example.org Error: timeout exceeded\r\n",
    );
    try {
      slow.close();
    } catch {
      // Closed by the watchdog.
    }
  });
});

Deno.test("stress: near default_process_limit idle sessions are shed by smtpd_stress_timeout, and it is logged", async () => {
  const logs = await withServer({
    default_process_limit: 5,
    smtpd_timeout: 3600,
    smtpd_stress_timeout: 0.3,
  }, async (port) => {
    // 3 of 5: no stress; 4 of 5 (80%): stress.
    const idle = [];
    for (let i = 0; i < 4; i++) {
      const c = await connect(port);
      assert.match(await greeting(c), /^220 /);
      idle.push(c);
    }
    // Sessions are shed until the service is below 80% again (which
    // ones: those idle longest at that moment).
    const closes = idle.map((c) => readToClose(c));
    assert.equal(
      await Promise.race(closes),
      "421 4.4.2 mx.example.org Error: timeout exceeded\r\n",
    );
    for (const c of idle) {
      try {
        c.close();
      } catch {
        // Closed by the watchdog.
      }
    }
    await Promise.all(closes);
    const next = await connect(port);
    assert.match(await greeting(next), /^220 /);
    next.close();
  });
  assert.ok(
    logs.some((l) =>
      /^smtpd: warning: service "smtp" \(127\.0\.0\.1:\d+\) is under stress: 4 of default_process_limit 5 sessions in use/
        .test(l)
    ),
    logs.join("\n"),
  );
});

Deno.test("smtpd admission: clients in smtpd_client_event_limit_exceptions have no count limit, but the process limit holds", () => {
  const config = testConfig({
    default_process_limit: 10,
    smtpd_client_connection_count_limit: 2,
    smtpd_client_event_limit_exceptions: ["192.0.2.0/24"],
  });
  assert.equal(
    smtpdRefusal(config, { address: "192.0.2.7", sessions: 5, total: 5 }),
    null,
  );
  assert.equal(
    smtpdRefusal(config, { address: "198.51.100.7", sessions: 2, total: 5 })
      ?.warning,
    "Connection concurrency limit exceeded: 3 from unknown[198.51.100.7] for service smtp",
  );
  assert.deepEqual(
    smtpdRefusal(config, { address: "192.0.2.7", sessions: 5, total: 10 }),
    {
      reply:
        "421 4.7.0 mx.example.org Error: too many connections from 192.0.2.7\r\n",
      warning:
        "too many connections (default_process_limit 10), refusing unknown[192.0.2.7]",
    },
  );
});
