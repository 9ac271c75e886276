/**
 * Version 4 queue files: header lines decided at the end of data are
 * stored after the content and read in front of it.
 */
import assert from "node:assert/strict";
import { createEnqueue } from "../../../src/queue/enqueue.ts";
import { temporaryQueue, testEnvelope } from "./config_fixture.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function streamText(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += decoder.decode(chunk);
  return text;
}

for (const bodySize of [10, 200_000]) {
  Deno.test(`a trailer is read before the content (${bodySize} bytes of body)`, async () => {
    await using queue = await temporaryQueue();
    const gate = createEnqueue(queue.store, {
      newQueueId: () => "8DsBw0lSIIgfQSJ",
    });
    const writer = await gate({ ...testEnvelope(), trailer: true });
    const content = `Received: from x\nSubject: s\n\n${"b".repeat(bodySize)}\n`;
    await writer.write(encoder.encode(content));
    const header = "Authentication-Results: mx.example.org;\n\tspf=pass\n";
    await writer.commit({ trailer: encoder.encode(header) });
    const envelope = await queue.store.readEnvelope("incoming", writer.id);
    assert.equal(envelope.size, content.length);
    assert.equal(envelope.trailerSize, header.length);
    const raw = decoder.decode(
      await Deno.readFile(`${queue.store.directory("incoming")}/${writer.id}`),
    );
    assert.match(raw, /^MAILSRV-QUEUE 4\n/);
    assert.equal(
      decoder.decode(queue.store.readContent("incoming", writer.id, envelope)),
      header + content,
    );
    assert.equal(
      await streamText(
        queue.store.openContent("incoming", writer.id, envelope),
      ),
      header + content,
    );
  });
}

Deno.test("a reserved trailer left empty reads as the content alone", async () => {
  await using queue = await temporaryQueue();
  const writer = await createEnqueue(queue.store)({
    ...testEnvelope(),
    trailer: true,
  });
  await writer.write(encoder.encode("Subject: s\n\nbody\n"));
  await writer.commit();
  const envelope = await queue.store.readEnvelope("incoming", writer.id);
  assert.equal(envelope.trailerSize, 0);
  assert.equal(
    decoder.decode(queue.store.readContent("incoming", writer.id, envelope)),
    "Subject: s\n\nbody\n",
  );
});

Deno.test("a trailer without a reserved field is refused and leaves nothing", async () => {
  await using queue = await temporaryQueue();
  const writer = await createEnqueue(queue.store)(testEnvelope());
  await writer.write(encoder.encode("Subject: s\n\nbody\n"));
  await assert.rejects(
    writer.commit({ trailer: encoder.encode("X: y\n") }),
    /without a trailer field/,
  );
  assert.deepEqual(
    [...Deno.readDirSync(queue.store.directory("incoming"))],
    [],
  );
});
