/**
 * pop3d under floods: pop3_timeout bounds a whole command line (a client
 * sending a byte at a time is logged out all the same), pop3_stress_timeout
 * applies while the listener is under stress, and the caps refuse at
 * accept (`admission.ts`).
 */
import assert from "node:assert/strict";
import { type Pop3Stream, serveSession } from "../../../src/pop3/server.ts";
import { pop3dRefusal } from "../../../src/pop3/admission.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { fakeDeps } from "./fake_pop3_deps.ts";

const AUTOLOGOUT = /-ERR \[SYS\/TEMP\] Autologout; idle for too long\r\n$/;

/** A client that sends one byte per read, every `everyMs`, never a line end. */
function dripping(everyMs: number): Pop3Stream & {
  written(): string;
  bytes(): number;
} {
  let written = "";
  let sent = 0;
  let closed = false;
  return {
    read: (buffer) =>
      new Promise((resolve) =>
        setTimeout(() => {
          if (closed || sent >= 1000) return resolve(null);
          buffer[0] = 0x58; // "X"
          sent++;
          resolve(1);
        }, everyMs)
      ),
    write: (b) => {
      written += new TextDecoder().decode(b);
      return Promise.resolve(b.length);
    },
    close: () => void (closed = true),
    written: () => written,
    bytes: () => sent,
  };
}

Deno.test("pop3_timeout bounds a whole command line: a byte at a time is logged out", async () => {
  const deps = fakeDeps(baseTestConfig({ pop3_timeout: 0.2 }), []);
  const client = dripping(20);
  await serveSession(client, deps, { address: "192.0.2.1" });
  assert.match(client.written(), AUTOLOGOUT);
  assert.ok(client.bytes() < 1000, `${client.bytes()} bytes sent`);
});

Deno.test("pop3_stress_timeout applies while the listener is under stress", async () => {
  const deps = fakeDeps(
    baseTestConfig({ pop3_timeout: 3600, pop3_stress_timeout: 0.05 }),
    [],
  );
  const client = dripping(10);
  await serveSession(client, deps, { address: "192.0.2.1" }, undefined, {
    stressed: () => true,
    draining: () => false,
    onDrain: () => () => {},
  });
  assert.match(client.written(), AUTOLOGOUT);
  assert.ok(client.bytes() < 1000, `${client.bytes()} bytes sent`);
});

Deno.test("pop3 admission: pop3_process_limit and pop3_client_connection_count_limit", () => {
  const config = baseTestConfig({
    pop3_process_limit: 5,
    pop3_client_connection_count_limit: 2,
  });
  const reply =
    "-ERR [SYS/TEMP] Error: too many connections from 192.0.2.1\r\n";
  assert.equal(
    pop3dRefusal(config, { address: "192.0.2.1", sessions: 1, total: 4 }),
    null,
  );
  assert.deepEqual(
    pop3dRefusal(config, { address: "192.0.2.1", sessions: 2, total: 2 }),
    {
      reply,
      warning:
        "Connection concurrency limit exceeded: 3 from unknown[192.0.2.1] for service pop3",
    },
  );
  assert.deepEqual(
    pop3dRefusal(config, { address: "192.0.2.1", sessions: 0, total: 5 }),
    {
      reply,
      warning:
        "too many connections (pop3_process_limit 5), refusing unknown[192.0.2.1]",
    },
  );
  assert.equal(
    pop3dRefusal(
      { ...config, pop3_client_connection_count_limit: 0 },
      { address: "192.0.2.1", sessions: 4, total: 4 },
    ),
    null,
  );
});
