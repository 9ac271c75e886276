import assert from "node:assert/strict";
import {
  findQueuedMessage,
  formatQueuedMessage,
} from "../../../src/queue/message_show.ts";
import { enqueue, temporaryQueue, testEnvelope } from "./config_fixture.ts";

const text = (parts: Uint8Array[]) =>
  parts.map((p) => new TextDecoder().decode(p)).join("");

Deno.test("a queued message is shown in postcat's sections, or in parts", async () => {
  await using queue = await temporaryQueue({
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
  });
  const { store, gate } = queue;
  const id = await enqueue(
    gate,
    testEnvelope(["bob@example.test", "carol@example.test"], {
      ret: "HDRS",
      recipientDsn: new Map([["bob@example.test", {
        notify: ["SUCCESS", "FAILURE"],
        orcpt: { type: "rfc822", address: "Bob@Example.TEST" },
      }]]),
    }),
    "Subject: hi\nX-A: 1\n\nBody line.\n",
  );
  await store.move(id, "incoming", "deferred");
  const envelope = await store.readEnvelope("deferred", id);
  await store.markRecipients(
    "deferred",
    id,
    [envelope.recipients[1].statusOffset],
    "delivered",
  );
  const message = findQueuedMessage(store, id)!;
  assert.equal(message.queue, "deferred");
  assert.equal(
    text(formatQueuedMessage(message, {}, { utc: true })),
    [
      `*** ENVELOPE RECORDS deferred/${id} ***`,
      "message_size: 31",
      "message_arrival_time: Fri Jan  2 03:04:05 2026",
      "sender: alice@example.test",
      "named_attribute: client_name=client.example.test",
      "named_attribute: client_address=192.0.2.7",
      "named_attribute: helo_name=client.example.test",
      "named_attribute: protocol_name=ESMTP",
      "dsn_ret: HDRS",
      "recipient: P bob@example.test",
      "dsn_notify: SUCCESS,FAILURE",
      "dsn_orig_rcpt: rfc822;Bob@Example.TEST",
      "recipient: D carol@example.test",
      `*** MESSAGE CONTENTS deferred/${id} ***`,
      "Subject: hi",
      "X-A: 1",
      "",
      "Body line.",
      `*** MESSAGE FILE END deferred/${id} ***`,
      "",
    ].join("\n"),
  );
  assert.equal(
    text(formatQueuedMessage(message, { headers: true })),
    "Subject: hi\nX-A: 1\n",
  );
  assert.equal(
    text(formatQueuedMessage(message, { body: true })),
    "\nBody line.\n",
  );
  assert.equal(findQueuedMessage(store, "8E9aaaaaaaaaaaa"), undefined);
});
