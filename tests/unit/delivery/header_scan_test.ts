import assert from "node:assert/strict";
import { scanLoopFacts } from "../../../src/delivery/header_scan.ts";

function stream(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

Deno.test("header scan: Delivered-To values and Received count, header block only", async () => {
  const facts = await scanLoopFacts(stream(
    "Received: from a\n\tby b; date\nDELIVERED-TO: Bob@Example.org \n",
    "received: from c\nSubject: x\nDelivered-To: carol@example.org\n\n",
    "Delivered-To: in-body@example.org\nReceived: in body\n",
  ));
  assert.deepEqual(facts.deliveredTo, ["bob@example.org", "carol@example.org"]);
  assert.equal(facts.receivedCount, 2);
});

Deno.test("header scan: lines split across chunks, and a message without a body", async () => {
  const facts = await scanLoopFacts(
    stream("Receiv", "ed: x\nDelivered", "-To: a@b\n", "Received: y"),
  );
  assert.deepEqual(facts.deliveredTo, ["a@b"]);
  assert.equal(facts.receivedCount, 2);
});

Deno.test("header scan: stops reading at the end of the header", async () => {
  let pulled = 0;
  const encoder = new TextEncoder();
  const content = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(
        encoder.encode(pulled === 1 ? "Subject: x\n\n" : "body\n".repeat(1000)),
      );
    },
  }, { highWaterMark: 0 });
  const facts = await scanLoopFacts(content);
  assert.equal(facts.receivedCount, 0);
  assert.equal(pulled, 1);
});
