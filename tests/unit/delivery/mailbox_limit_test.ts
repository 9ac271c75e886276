/**
 * mailbox_size_limit / virtual_mailbox_limit in the writers: a file never
 * grows past the limit, the mail bounces 5.2.2, nothing partial remains.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverToMaildir } from "../../../src/delivery/mailbox/maildir.ts";
import { mailboxLimit } from "../../../src/delivery/mailbox_limit.ts";
import { deliverToMbox } from "../../../src/delivery/mailbox/mbox.ts";
import {
  DeliveryError,
  type DeliveryMessage,
} from "../../../src/delivery/types.ts";
import { testMessage, withTempDir } from "./test_message.ts";

const lock = {
  attempts: 100_000,
  sleep: () => new Promise<void>((done) => setTimeout(done, 0)),
};

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** The failure `work` ends with (it must fail). */
async function failure(work: Promise<unknown>): Promise<DeliveryError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, String(error));
    return error;
  }
  assert.fail("the delivery succeeded");
}

function assertMailboxFull(error: DeliveryError, parameter: string) {
  assert.equal(error.temporary, false);
  assert.equal(error.dsn, "5.2.2");
  assert.match(
    error.message,
    new RegExp(
      `error writing message: File too large \\(mailbox full: ${parameter} is \\d+ bytes\\)$`,
    ),
  );
}

/** A message whose queued size is not known (as `deliver-file` reads it). */
function unsized(message: DeliveryMessage): DeliveryMessage {
  return { ...message, size: 0 };
}

Deno.test("0 is no limit; a limit is a byte count", () => {
  assert.equal(mailboxLimit("mailbox_size_limit", 0), undefined);
  assert.deepEqual(mailboxLimit("virtual_mailbox_limit", 10), {
    parameter: "virtual_mailbox_limit",
    bytes: 10,
  });
});

Deno.test("a Maildir message file may be as large as the limit, not larger", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "Maildir");
    const message = testMessage({
      content: "Subject: x\n\n" + "a".repeat(200),
    });
    const name = await deliverToMaildir(box, message, {
      hostname: "mx.example.org",
    });
    const size = (await Deno.stat(join(box, "new", name))).size;
    await deliverToMaildir(box, message, {
      hostname: "mx.example.org",
      sizeLimit: mailboxLimit("mailbox_size_limit", size),
    });
    for (const refused of [message, unsized(message)]) {
      const error = await failure(deliverToMaildir(box, refused, {
        hostname: "mx.example.org",
        sizeLimit: mailboxLimit("virtual_mailbox_limit", size - 1),
      }));
      assertMailboxFull(error, "virtual_mailbox_limit");
      assert.match(error.message, /^cannot deliver to maildir "/);
    }
    assert.equal((await listing(join(box, "new"))).length, 2);
    assert.deepEqual(await listing(join(box, "tmp")), []);
  });
});

Deno.test("an mbox file may grow to the limit; an append past it leaves the file as it was", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "mbox");
    const message = testMessage({
      content: "Subject: x\n\n" + "a".repeat(200),
    });
    await deliverToMbox(box, message, { lock });
    const one = (await Deno.stat(box)).size;
    const limit = mailboxLimit("mailbox_size_limit", 2 * one);
    await deliverToMbox(box, message, { lock, sizeLimit: limit });
    const before = await Deno.readFile(box);
    assert.equal(before.length, 2 * one);
    for (const refused of [message, unsized(message)]) {
      const error = await failure(
        deliverToMbox(box, refused, { lock, sizeLimit: limit }),
      );
      assertMailboxFull(error, "mailbox_size_limit");
      assert.match(error.message, /^cannot update mailbox "/);
      assert.deepEqual(await Deno.readFile(box), before);
    }
  });
});

Deno.test("mboxrd quoting that pushes an mbox past the limit is undone", async () => {
  await withTempDir(async (dir) => {
    const box = join(dir, "mbox");
    // Every line gains a ">": the queued size fits, the written one does not.
    const content = "Subject: x\n\n" + "From here\n".repeat(400);
    const message = testMessage({
      content: [content.slice(0, 2000), content.slice(2000)],
    });
    await deliverToMbox(join(dir, "probe"), message, { lock });
    const quoted = (await Deno.stat(join(dir, "probe"))).size;
    await Deno.writeTextFile(box, "");
    const error = await failure(deliverToMbox(box, message, {
      lock,
      sizeLimit: mailboxLimit("mailbox_size_limit", quoted - 100),
    }));
    assertMailboxFull(error, "mailbox_size_limit");
    assert.equal((await Deno.stat(box)).size, 0);
  });
});
