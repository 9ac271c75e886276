/**
 * `mailsrv stop --abort` (Postfix's `postfix abort`): the daemon stops at
 * once, a transaction in flight is dropped without its 250 (so nothing is
 * queued for it), and the next start finds a clean queue.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  canConnect,
  listFiles,
  runMailsrv,
  startDaemon,
} from "../helpers/daemon.ts";

/** Reads from `conn` until the server closes it; returns all it said. */
async function readUntilClosed(conn: Deno.Conn): Promise<string> {
  const chunk = new Uint8Array(4096);
  let text = "";
  for (let reads = 0; reads < 1000; reads++) {
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return text;
    text += new TextDecoder().decode(chunk.subarray(0, n));
  }
  throw new Error("the server kept talking");
}

Deno.test("stop --abort drops a transaction in flight and stops at once", async () => {
  const daemon = await startDaemon();
  try {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: daemon.port,
    });
    const said = readUntilClosed(conn);
    await conn.write(new TextEncoder().encode(
      "EHLO client.example.test\r\nMAIL FROM:<a@example.test>\r\n" +
        "RCPT TO:<abort@localhost>\r\nDATA\r\nSubject: cut off\r\n\r\nhalf\r\n",
    ));
    // The graceful stop would wait up to 30 s for this session.
    const stop = await runMailsrv([
      "stop",
      "--abort",
      "--config",
      daemon.configPath,
    ]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, "mailsrv: aborted\n");
    const transcript = await said;
    conn.close();
    assert.match(transcript, /^354 /m);
    assert.doesNotMatch(transcript, /queued as/);
    assert.equal(await canConnect(daemon.port), false);
    await daemon.stop();
    assert.match(daemon.log(), /stopping: abort command/);
    for (const state of ["incoming", "active", "deferred"]) {
      assert.deepEqual(await listFiles(join(daemon.queueDirectory, state)), []);
    }
  } finally {
    await Deno.remove(daemon.home, { recursive: true });
  }
});
