import assert from "node:assert/strict";
import { join } from "node:path";
import {
  messageContent,
  WHOLE_CONTENT_LIMIT,
} from "../../../src/queue/message_content.ts";
import { enqueue, temporaryQueue, testEnvelope } from "./config_fixture.ts";

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

Deno.test("a small message is read from the queue file once per delivery", async () => {
  await using queue = await temporaryQueue();
  const content = "Subject: small\n\nbody\n";
  const id = await enqueue(queue.gate, testEnvelope(), content);
  const envelope = await queue.store.readEnvelope("incoming", id);
  const open = messageContent(queue.store, "incoming", id, envelope);
  assert.equal(await text(await open()), content);
  // The file is gone, yet a second reader (e.g. the loop check, then the
  // mailbox writer) gets the same bytes: they were not read again.
  await Deno.remove(join(queue.directory, "incoming", id));
  assert.equal(await text(await open()), content);
});

Deno.test("a large message is streamed from the file on every open", async () => {
  await using queue = await temporaryQueue();
  const line = "x".repeat(99) + "\n";
  const content = "Subject: large\n\n" +
    line.repeat(Math.ceil(WHOLE_CONTENT_LIMIT / line.length) + 10);
  const id = await enqueue(queue.gate, testEnvelope(), content);
  const envelope = await queue.store.readEnvelope("incoming", id);
  const open = messageContent(queue.store, "incoming", id, envelope);
  assert.equal(await text(await open()), content);
  await Deno.remove(join(queue.directory, "incoming", id));
  await assert.rejects(
    async () => await text(await open()),
    Deno.errors.NotFound,
  );
});

Deno.test("a small message whose file cannot be read rejects the open", async () => {
  await using queue = await temporaryQueue();
  const id = await enqueue(queue.gate, testEnvelope(), "Subject: x\n\ny\n");
  const envelope = await queue.store.readEnvelope("incoming", id);
  await Deno.remove(join(queue.directory, "incoming", id));
  const open = messageContent(queue.store, "incoming", id, envelope);
  await assert.rejects(open, Deno.errors.NotFound);
});
