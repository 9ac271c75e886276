/**
 * whole_content.ts: an opener made for content in memory gives its bytes
 * back without a stream; any other opener, or a message whose content
 * was replaced, does not.
 */
import assert from "node:assert/strict";
import {
  wholeContentOf,
  wholeContentOpener,
} from "../../../src/common/whole_content.ts";

const encoder = new TextEncoder();

Deno.test("whole content: the opener's stream and its bytes agree", async () => {
  const bytes = encoder.encode("Subject: x\n\nbody\n");
  const message = { content: wholeContentOpener(() => bytes) };
  const read = wholeContentOf(message);
  assert.ok(read);
  assert.equal(read(), bytes);
  const streamed = new Uint8Array(
    await new Response(await message.content()).arrayBuffer(),
  );
  assert.deepEqual(streamed, bytes);
});

Deno.test("whole content: a replaced or foreign opener is not taken for it", () => {
  const message = {
    content: wholeContentOpener(() => encoder.encode("original\n")),
  };
  const replaced = {
    ...message,
    content: () => Promise.resolve(new Blob(["other\n"]).stream()),
  };
  assert.equal(wholeContentOf(replaced), undefined);
  const spread = { ...message, recipient: "x@y" };
  assert.ok(wholeContentOf(spread), "a copy with its opener still has it");
});

Deno.test("whole content: a failed read rejects the stream and throws from the reader", async () => {
  const message = {
    content: wholeContentOpener(() => {
      throw new Error("queue file gone");
    }),
  };
  await assert.rejects(message.content(), /queue file gone/);
  assert.throws(() => wholeContentOf(message)!(), /queue file gone/);
});

Deno.test("whole content: empty content is an empty stream", async () => {
  const message = { content: wholeContentOpener(() => new Uint8Array(0)) };
  const reader = (await message.content()).getReader();
  assert.deepEqual(await reader.read(), { done: true, value: undefined });
  assert.equal(wholeContentOf(message)!().length, 0);
});
