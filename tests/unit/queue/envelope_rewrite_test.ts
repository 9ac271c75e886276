import assert from "node:assert/strict";
import { join } from "node:path";
import type { QueueFileHandle } from "../../../src/queue/queue_writer.ts";
import { parseQueueFile } from "../../../src/queue/queue_file.ts";
import { namesIn, temporaryQueue, testEnvelope } from "./config_fixture.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Real files; the nth write(2) or fsync of a `.envelope` file fails. */
function failingRewrite(
  operation: "write" | "sync",
  nth: number,
  error: Error,
) {
  return (path: string): QueueFileHandle => {
    const file = Deno.openSync(path, {
      write: true,
      createNew: true,
      mode: 0o600,
    });
    let count = 0;
    const check = (what: "write" | "sync") => {
      if (path.endsWith(".envelope") && what === operation && ++count === nth) {
        throw error;
      }
    };
    return {
      writeSync(bytes) {
        check("write");
        return file.writeSync(bytes);
      },
      seekSync: (offset, whence) => file.seekSync(offset, whence),
      truncateSync: (length) => file.truncateSync(length),
      sync() {
        check("sync");
        return file.sync();
      },
      close: () => file.close(),
    };
  };
}

function enospc(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
}

async function assertNothingLeft(directory: string) {
  assert.deepEqual(await namesIn(join(directory, "tmp")), []);
  assert.deepEqual(await namesIn(join(directory, "incoming")), []);
  assert.deepEqual(await namesIn(join(directory, "hold")), []);
}

for (const size of [100, 300_000]) {
  Deno.test(`a commit with a new envelope rewrites the header and keeps the content (${size} bytes)`, async () => {
    await using queue = await temporaryQueue();
    const notified: string[] = [];
    queue.store.subscribe((id) => notified.push(id));
    const envelope = testEnvelope();
    const writer = await queue.gate(envelope);
    const content = "Subject: x\n\n" + "y".repeat(size) + "\n";
    await writer.write(encoder.encode(content));
    const recipients = [...envelope.recipients, "bcc@example.org"];
    await writer.commit({
      envelope: { ...envelope, recipients, filter: "scan:[127.0.0.1]:10025" },
    });
    assert.deepEqual(notified, [writer.id]);
    assert.deepEqual(await namesIn(join(queue.directory, "tmp")), []);
    const bytes = await Deno.readFile(
      join(queue.directory, "incoming", writer.id),
    );
    const parsed = parseQueueFile(bytes, bytes.length);
    assert.deepEqual(parsed.recipients.map((r) => r.address), recipients);
    assert.equal(parsed.filter, "scan:[127.0.0.1]:10025");
    assert.equal(parsed.size, content.length);
    assert.equal(decoder.decode(bytes.subarray(parsed.contentOffset)), content);
  });
}

Deno.test("a rewrite with hold goes to hold/ and tells no queue manager", async () => {
  await using queue = await temporaryQueue();
  let notified = 0;
  queue.store.subscribe(() => notified++);
  const envelope = testEnvelope();
  const writer = await queue.gate(envelope);
  await writer.write(encoder.encode("hello\n"));
  await writer.commit({
    hold: true,
    envelope: { ...envelope, recipients: ["only@example.org"] },
  });
  assert.equal(notified, 0);
  assert.deepEqual(await namesIn(join(queue.directory, "hold")), [writer.id]);
  assert.deepEqual(await namesIn(join(queue.directory, "tmp")), []);
});

Deno.test("a rewrite of a reused spare file writes a new file, not the spare", async () => {
  await using queue = await temporaryQueue();
  const first = await queue.gate(testEnvelope());
  await first.write(encoder.encode("x".repeat(5000) + "\n"));
  await first.commit();
  // Retire it as a spare, the way the queue manager does.
  await Deno.rename(
    join(queue.directory, "incoming", first.id),
    join(queue.directory, "tmp", first.id),
  );
  queue.store.adoptSpare(first.id);
  const envelope = testEnvelope();
  const writer = await queue.gate(envelope);
  assert.deepEqual(await namesIn(join(queue.directory, "tmp")), [first.id]);
  await writer.write(encoder.encode("short\n"));
  await writer.commit({
    envelope: { ...envelope, recipients: ["r@example.org"] },
  });
  const bytes = await Deno.readFile(
    join(queue.directory, "incoming", writer.id),
  );
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.equal(decoder.decode(bytes.subarray(parsed.contentOffset)), "short\n");
  assert.deepEqual(parsed.recipients.map((r) => r.address), ["r@example.org"]);
});

Deno.test("ENOSPC while copying into the rewritten file leaves nothing behind", async () => {
  await using queue = await temporaryQueue({
    createFile: failingRewrite("write", 2, enospc()),
  });
  const envelope = testEnvelope();
  const writer = await queue.gate(envelope);
  await writer.write(encoder.encode("z".repeat(200_000) + "\n"));
  await assert.rejects(
    () =>
      writer.commit({ envelope: { ...envelope, recipients: ["a@b.example"] } }),
    /No space left on device/,
  );
  await assertNothingLeft(queue.directory);
});

Deno.test("a failing fsync of the rewritten file leaves nothing behind", async () => {
  await using queue = await temporaryQueue({
    createFile: failingRewrite(
      "sync",
      1,
      new Error("Input/output error (os error 5)"),
    ),
  });
  const envelope = testEnvelope();
  const writer = await queue.gate(envelope);
  await writer.write(encoder.encode("hello\n"));
  await assert.rejects(
    () =>
      writer.commit({ envelope: { ...envelope, recipients: ["a@b.example"] } }),
    /Input\/output error/,
  );
  await assertNothingLeft(queue.directory);
});
