/**
 * Durability under `kill -9`: every message that got a 250 is delivered
 * after a restart; nothing acknowledged is lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles, startDaemon, waitFor } from "../helpers/daemon.ts";
import { readMailbox, type SendResult } from "../helpers/mail.ts";
import { fileURLToPath as fromFileUrl } from "node:url";

const SEND = fromFileUrl(new URL("../helpers/smtp_send.py", import.meta.url));

Deno.test("kill -9 in the middle of a batch loses no acknowledged message", async () => {
  const first = await startDaemon();
  const home = first.home;
  const port = first.port;
  // 400 messages over 8 sessions; the daemon is killed once 100 have been
  // acknowledged, while sessions and deliveries are in full flight.
  const sender = new Deno.Command("python3", {
    args: [
      SEND,
      String(port),
      "load@example.test",
      "crash@localhost",
      "--count",
      "400",
      "--threads",
      "8",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const results: SendResult[] = [];
  let killed = false;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of sender.stdout) {
    buffer += decoder.decode(chunk);
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      results.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
    if (!killed && results.filter((r) => r.code === 250).length >= 100) {
      killed = true;
      await first.kill();
    }
  }
  await sender.status;
  assert.ok(killed, "the daemon was never killed");
  const acknowledged = results.filter((r) => r.code === 250).map((r) =>
    r.token
  );
  assert.ok(acknowledged.length >= 100);

  const second = await startDaemon({ home, port });
  try {
    const maildir = join(home, "mail", "crash");
    const wanted = new Set(acknowledged.map((t) => `test ${t}`));
    const delivered = await waitFor("all acknowledged messages", async () => {
      const messages = await readMailbox("maildir", maildir);
      const subjects = new Set(messages.map((m) => m.subject));
      return [...wanted].every((s) => subjects.has(s)) ? messages : undefined;
    }, 60_000);
    const counts = new Map<string, number>();
    for (const m of delivered) {
      counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
    }
    const missing = [...wanted].filter((s) => !counts.has(s));
    assert.deepEqual(missing, []);
    // Nothing stays behind in the queue, and no half-written file surfaced.
    await waitFor("an empty queue", async () => {
      const left = [
        ...(await listFiles(join(second.queueDirectory, "incoming"))),
        ...(await listFiles(join(second.queueDirectory, "active"))),
        // Spent queue files wait in tmp/ as spares for reuse.
        ...(await listFiles(join(second.queueDirectory, "tmp"))).filter((n) =>
          !n.startsWith("spare.")
        ),
      ];
      return left.length === 0 || undefined;
    });
    assert.deepEqual(
      await listFiles(join(second.queueDirectory, "corrupt")),
      [],
    );
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // A kill between a mailbox write and its record may repeat one delivery
    // per in-flight message at most (at-least-once, as Postfix); never more.
    assert.ok(duplicates <= 20, `${duplicates} duplicate deliveries`);
  } finally {
    await second.stop();
    await Deno.remove(home, { recursive: true });
  }
});
