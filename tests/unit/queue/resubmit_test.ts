import assert from "node:assert/strict";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import { createResubmit } from "../../../src/queue/resubmit.ts";
import { namesIn, temporaryQueue } from "./config_fixture.ts";

/** A stream of `chunks`, counting how many were pulled. */
function chunked(chunks: Uint8Array[]) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled < chunks.length) controller.enqueue(chunks[pulled++]);
      else controller.close();
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

Deno.test("resubmit streams the content byte for byte and commits through the gate", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    // Every byte value, CR and NUL included, across 3 × 64 KiB + 1.
    const chunks = [0, 1, 2, 3].map((n) =>
      Uint8Array.from(
        { length: n === 3 ? 1 : 65_536 },
        (_, i) => (i + n) % 256,
      )
    );
    const source = chunked(chunks);
    const notified: string[] = [];
    queue.store.subscribe((id) => notified.push(id));
    const opened: string[] = [];
    const resubmit = createResubmit(async (envelope, options) => {
      const writer = await queue.gate(envelope, options);
      opened.push(writer.id);
      return writer;
    }, "mx.example.test");
    const id = await resubmit({
      sender: "owner-list@example.test",
      recipients: ["far@example.org", "near@example.test"],
      fromQueueId: "8DsBw0lSIIgfQSJ",
      content: () => Promise.resolve(source.stream),
    });
    assert.deepEqual(opened, [id], "written through the gate it was given");
    assert.deepEqual(notified, [id]);
    assert.equal(source.pulled(), 4);
    assert.deepEqual(await namesIn(queue.store.directory("incoming")), [id]);
    const envelope = await queue.store.readEnvelope("incoming", id);
    assert.equal(envelope.sender, "owner-list@example.test");
    assert.deepEqual(envelope.recipients.map((r) => [r.address, r.status]), [
      ["far@example.org", "pending"],
      ["near@example.test", "pending"],
    ]);
    assert.equal(envelope.protocol, "FORWARD");
    assert.equal(envelope.helo, "mx.example.test");
    const stored = new Uint8Array(
      await new Response(
        queue.store.openContent("incoming", id, envelope),
      ).arrayBuffer(),
    );
    const expected = new Uint8Array(3 * 65_536 + 1);
    let at = 0;
    for (const chunk of chunks) {
      expected.set(chunk, at);
      at += chunk.length;
    }
    assert.deepEqual(stored, expected);
    assert.ok(
      lines.some((l) =>
        l.includes(`local[${Deno.pid}]: 8DsBw0lSIIgfQSJ: forwarded as ${id}`)
      ),
    );
  } finally {
    await closeLogging();
  }
});

Deno.test("a content stream that fails leaves nothing in the queue and rejects", async () => {
  await using queue = await temporaryQueue();
  let sent = false;
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode("Subject: x\n"));
      } else controller.error(new Error("Queue file vanished"));
    },
  });
  const resubmit = createResubmit(queue.gate);
  await assert.rejects(
    resubmit({
      sender: "a@example.test",
      recipients: ["b@example.org"],
      fromQueueId: "8DsBw0lSIIgfQSJ",
      content: () => Promise.resolve(failing),
    }),
    /Queue file vanished/,
  );
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), []);
  assert.deepEqual(await namesIn(queue.store.directory("tmp")), []);
});
