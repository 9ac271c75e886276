/**
 * The Maildir writer with content in memory (common/whole_content.ts):
 * the same file, size limit and errors as with the content's stream.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { wholeContentOpener } from "../../../../src/common/whole_content.ts";
import { deliverToMaildir } from "../../../../src/delivery/mailbox/maildir.ts";
import { mailboxLimit } from "../../../../src/delivery/mailbox_limit.ts";
import type { DeliveryMessage } from "../../../../src/delivery/types.ts";
import { listDir } from "../local_fixture.ts";
import { deliveryFailure, testMessage, withTempDir } from "../test_message.ts";

const TEXT = "Subject: caf\u00e9\r\n\nline\nanother\r\n";

/** `message` with its content in memory. */
function inMemory(message: DeliveryMessage, text = TEXT): DeliveryMessage {
  const bytes = new TextEncoder().encode(text);
  return { ...message, content: wholeContentOpener(() => bytes) };
}

/** The name without its unique part: `,S=…,W=…`. */
function sizes(name: string): string {
  return name.slice(name.indexOf(","));
}

Deno.test("maildir, content in memory: the file and its sizes as from the stream", async () => {
  await withTempDir(async (dir) => {
    const streamed = testMessage({ content: TEXT });
    const whole = inMemory(streamed);
    const a = await deliverToMaildir(dir, streamed, { hostname: "mx" });
    const b = await deliverToMaildir(dir, whole, { hostname: "mx" });
    assert.equal(sizes(b), sizes(a));
    assert.deepEqual(
      await Deno.readFile(join(dir, "new", b)),
      await Deno.readFile(join(dir, "new", a)),
    );
    const empty = await deliverToMaildir(dir, inMemory(streamed, ""), {
      hostname: "mx",
    });
    const headers = await Deno.readTextFile(join(dir, "new", empty));
    assert.match(headers, /^Return-Path: <[^\n]*>\nDelivered-To: [^\n]*\n$/);
  });
});

Deno.test("maildir, content in memory: the size limit and a failed read", async () => {
  await withTempDir(async (dir) => {
    const message = inMemory(testMessage({ content: TEXT }));
    const name = await deliverToMaildir(dir, message, { hostname: "mx" });
    const size = (await Deno.stat(join(dir, "new", name))).size;
    // A queued size of 0 (unknown): the copy itself must stop it.
    const full = await deliveryFailure(
      deliverToMaildir(dir, { ...message, size: 0 }, {
        hostname: "mx",
        sizeLimit: mailboxLimit("mailbox_size_limit", size - 1),
      }),
    );
    assert.equal(full.dsn, "5.2.2");
    await deliverToMaildir(dir, { ...message, size: 0 }, {
      hostname: "mx",
      sizeLimit: mailboxLimit("mailbox_size_limit", size),
    });
    const gone = {
      ...message,
      content: wholeContentOpener(() => {
        throw new Deno.errors.NotFound("queue file gone");
      }),
    };
    const unread = await deliveryFailure(
      deliverToMaildir(dir, gone, { hostname: "mx" }),
    );
    assert.equal(unread.dsn, "4.3.0");
    assert.match(unread.message, /^cannot read message 4Xq9Zk2mTb: /);
    assert.deepEqual(await listDir(join(dir, "tmp")), []);
    assert.equal((await listDir(join(dir, "new"))).length, 2);
  });
});
