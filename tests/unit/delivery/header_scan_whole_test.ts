/**
 * header_scan.ts on content in memory: loopFactsOf gives what the stream
 * scan gives for the same bytes read a byte at a time, and refuseLoops
 * uses it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { wholeContentOpener } from "../../../src/common/whole_content.ts";
import {
  loopFactsOf,
  refuseLoops,
  scanLoopFacts,
} from "../../../src/delivery/header_scan.ts";
import { DeliveryError } from "../../../src/delivery/types.ts";
import { testMessage } from "./test_message.ts";

const encoder = new TextEncoder();

/** `bytes` a byte per chunk: every line and blank line split across chunks. */
function byteChunks(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i++) {
        controller.enqueue(bytes.subarray(i, i + 1));
      }
      controller.close();
    },
  });
}

Deno.test("loop facts of bytes: as the stream scan, on chosen headers", async () => {
  const cases = [
    "Received: from a\n\tby b\nDELIVERED-TO: Bob@Example.org \r\nSubject: x\n\nDelivered-To: body@x\n",
    "received: a\r\nrECEIVED: b\r\n\r\nReceived: body\n",
    "Delivered-To: é@exämple.org\nReceived: y",
    "Received: y\r",
    "\nReceived: only body\n",
    "\r\nReceived: only body\n",
    "",
    "Delivered-To:\n",
    "Subject: x\n \nReceived: after a blank-looking continuation\n\n",
  ];
  for (const text of cases) {
    const bytes = encoder.encode(text);
    assert.deepEqual(
      loopFactsOf(bytes),
      await scanLoopFacts(byteChunks(bytes)),
      JSON.stringify(text),
    );
  }
});

Deno.test("loop facts of bytes: as the stream scan, on generated headers", async () => {
  const line = fc.oneof(
    fc.constantFrom(
      "Received: from x",
      "received:y",
      "Delivered-To: A@B",
      "delivered-to:c@d ",
      "DELIVERED-TO:",
      "Subject: s",
      "",
      "\r",
      " folded",
      "Dx",
      "R",
    ),
    fc.string({ maxLength: 12 }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(line, { maxLength: 12 }),
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      async (lines, end, last) => {
        const text = lines.join(end) + (last ? end : "");
        const bytes = encoder.encode(text);
        assert.deepEqual(
          loopFactsOf(bytes),
          await scanLoopFacts(byteChunks(bytes)),
        );
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("refuse loops: content in memory is checked without a stream", async () => {
  const base = testMessage({ recipient: "bob@example.org" });
  const looped = {
    ...base,
    content: wholeContentOpener(() =>
      encoder.encode("Delivered-To: BOB@example.org\nSubject: x\n\nbody\n")
    ),
  };
  await assert.rejects(
    refuseLoops(looped, 50),
    (error: unknown) =>
      error instanceof DeliveryError && error.dsn === "5.4.6" &&
      /mail forwarding loop for bob@example.org/.test(error.message),
  );
  const hops = {
    ...base,
    content: wholeContentOpener(() =>
      encoder.encode("Received: a\nReceived: b\nReceived: c\n\n")
    ),
  };
  await assert.rejects(refuseLoops(hops, 2), /too many hops: 3/);
  await refuseLoops(hops, 3);
  const gone = {
    ...base,
    content: wholeContentOpener(() => {
      throw new Deno.errors.NotFound("queue file gone");
    }),
  };
  await assert.rejects(refuseLoops(gone, 50), Deno.errors.NotFound);
});
