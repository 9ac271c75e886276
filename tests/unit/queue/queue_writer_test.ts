import assert from "node:assert/strict";
import { join } from "node:path";
import {
  isOutOfSpace,
  type QueueFileHandle,
  WRITE_BUFFER_SIZE,
} from "../../../src/queue/queue_writer.ts";
import { parseQueueFile } from "../../../src/queue/queue_file.ts";
import { namesIn, temporaryQueue, testEnvelope } from "./config_fixture.ts";

const encoder = new TextEncoder();

interface Fault {
  readonly operation: "write" | "sync";
  /** Fails the nth call of `operation` (1-based). */
  readonly nth: number;
  readonly error: Error;
}

function enospc(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
}

/** A createFile that records each file operation and can inject a fault. */
function recordingFiles(events: string[], fault?: Fault) {
  return (path: string): QueueFileHandle => {
    const file = Deno.openSync(path, {
      write: true,
      createNew: true,
      mode: 0o600,
    });
    const counts = { write: 0, sync: 0 };
    const check = (operation: "write" | "sync") => {
      counts[operation]++;
      if (fault?.operation === operation && fault.nth === counts[operation]) {
        throw fault.error;
      }
    };
    return {
      writeSync(bytes) {
        events.push(`write ${bytes.length}`);
        check("write");
        return file.writeSync(bytes);
      },
      seekSync(offset, whence) {
        events.push(`seek ${offset}`);
        return file.seekSync(offset, whence);
      },
      truncateSync(length) {
        events.push(`truncate ${length}`);
        return file.truncateSync(length);
      },
      sync() {
        events.push("sync");
        check("sync");
        return file.sync();
      },
      close() {
        events.push("close");
        file.close();
      },
    };
  };
}

async function assertNothingLeft(directory: string) {
  assert.deepEqual(await namesIn(join(directory, "tmp")), []);
  assert.deepEqual(await namesIn(join(directory, "incoming")), []);
}

Deno.test("commit writes, fsyncs, closes, renames, syncs incoming/, then notifies", async () => {
  const events: string[] = [];
  let directory = "";
  await using queue = await temporaryQueue({
    createFile: recordingFiles(events),
    syncDirectory: async (path) => {
      // At this point the file must already be in incoming/ and closed.
      events.push(`syncDirectory ${path.slice(directory.length + 1)}`);
      assert.equal((await namesIn(path)).length, 1);
      assert.deepEqual(await namesIn(join(directory, "tmp")), []);
    },
  });
  directory = queue.directory;
  queue.store.subscribe((id) => events.push(`notify ${id}`));
  const writer = await queue.gate(testEnvelope());
  assert.deepEqual(await namesIn(join(directory, "tmp")), [writer.id]);
  const content = "Subject: hello\n\n" + "x".repeat(4000) + "\n";
  await writer.write(encoder.encode(content.slice(0, 100)));
  await writer.write(encoder.encode(content.slice(100)));
  assert.equal(writer.size, content.length);
  await writer.commit();

  // A 4 KB message costs one write(2): the size is patched in the buffer.
  assert.deepEqual(events.map((e) => e.split(" ")[0]), [
    "write",
    "truncate",
    "sync",
    "close",
    "syncDirectory",
    "notify",
  ]);
  assert.equal(events[1], `truncate ${events[0].split(" ")[1]}`);
  assert.equal(events[4], "syncDirectory incoming");
  assert.equal(events[5], `notify ${writer.id}`);
  assert.deepEqual(await namesIn(join(directory, "incoming")), [writer.id]);
  const bytes = await Deno.readFile(join(directory, "incoming", writer.id));
  const envelope = parseQueueFile(bytes, bytes.length);
  assert.equal(envelope.size, content.length);
  assert.equal(
    new TextDecoder().decode(bytes.subarray(envelope.contentOffset)),
    content,
  );
  const mode = (await Deno.stat(join(directory, "incoming", writer.id))).mode!;
  assert.equal(mode & 0o777, 0o600);
});

Deno.test("a large message streams through the buffer and patches the size in place", async () => {
  const events: string[] = [];
  await using queue = await temporaryQueue({
    createFile: recordingFiles(events),
  });
  const writer = await queue.gate(testEnvelope());
  const chunk = encoder.encode("0123456789abcdef".repeat(64) + "\n"); // 1025 bytes
  const chunks = 300;
  for (let i = 0; i < chunks; i++) await writer.write(chunk);
  const big = new Uint8Array(WRITE_BUFFER_SIZE * 2).fill(0x41);
  await writer.write(big);
  await writer.commit();
  const size = chunk.length * chunks + big.length;
  assert.ok(
    events.includes(`write ${big.length}`),
    "a large chunk is written without copying",
  );
  assert.ok(
    events.some((e) => e.startsWith("seek ")),
    "the size field is rewritten in place",
  );
  assert.ok(
    events.indexOf("sync") > events.findLastIndex((e) => e.startsWith("write")),
  );
  // Far fewer write(2) calls than producer writes.
  assert.ok(events.filter((e) => e.startsWith("write")).length < 12);
  const bytes = await Deno.readFile(queue.store.path("incoming", writer.id));
  const envelope = parseQueueFile(bytes, bytes.length);
  assert.equal(envelope.size, size);
  assert.deepEqual(
    bytes.subarray(envelope.contentOffset + chunk.length * chunks),
    big,
  );
});

Deno.test("abort leaves nothing behind and notifies no one", async () => {
  await using queue = await temporaryQueue();
  let notified = 0;
  queue.store.subscribe(() => notified++);
  const writer = await queue.gate(testEnvelope());
  await writer.write(encoder.encode("partial"));
  await writer.abort();
  await assertNothingLeft(queue.directory);
  assert.equal(notified, 0);
  await assert.rejects(
    () => writer.write(encoder.encode("x")),
    /was aborted; cannot write/,
  );
  await assert.rejects(() => writer.commit(), /was aborted; cannot commit/);
  await writer.abort(); // idempotent
});

Deno.test("an error thrown by the producer mid-write, then abort, leaves nothing", async () => {
  await using queue = await temporaryQueue();
  const writer = await queue.gate(testEnvelope());
  try {
    await writer.write(encoder.encode("Subject: x\n\n"));
    throw new Error("client went away");
  } catch {
    await writer.abort();
  }
  await assertNothingLeft(queue.directory);
});

Deno.test("ENOSPC mid-write propagates and leaves nothing in tmp/ or incoming/", async () => {
  const events: string[] = [];
  await using queue = await temporaryQueue({
    createFile: recordingFiles(events, {
      operation: "write",
      nth: 2,
      error: enospc(),
    }),
  });
  const writer = await queue.gate(testEnvelope());
  const chunk = new Uint8Array(WRITE_BUFFER_SIZE / 4).fill(0x61);
  let error: unknown;
  let accepted = 0;
  while (error === undefined && accepted < 100) {
    error = await writer.write(chunk).then(() => void accepted++, (e) => e);
  }
  // The second write(2) fails: after one bufferful has gone to disk.
  assert.ok(accepted >= 4 && accepted < 100, `${accepted} writes accepted`);
  assert.ok(isOutOfSpace(error), `expected ENOSPC, got ${error}`);
  assert.ok(events.includes("close"));
  await assertNothingLeft(queue.directory);
  await assert.rejects(() => writer.commit(), /discarded after an error/);
  await writer.abort();
});

Deno.test("a failing fsync at commit propagates and leaves nothing", async () => {
  await using queue = await temporaryQueue({
    createFile: recordingFiles([], {
      operation: "sync",
      nth: 1,
      error: new Error("Input/output error (os error 5)"),
    }),
  });
  let notified = 0;
  queue.store.subscribe(() => notified++);
  const writer = await queue.gate(testEnvelope());
  await writer.write(encoder.encode("hello\n"));
  await assert.rejects(() => writer.commit(), /Input\/output error/);
  await assertNothingLeft(queue.directory);
  assert.equal(notified, 0);
});

Deno.test("a failing directory fsync withdraws the message from incoming/", async () => {
  await using queue = await temporaryQueue({
    syncDirectory: () =>
      Promise.reject(new Error("Input/output error (os error 5)")),
  });
  const writer = await queue.gate(testEnvelope());
  await writer.write(encoder.encode("hello\n"));
  await assert.rejects(() => writer.commit(), /Input\/output error/);
  await assertNothingLeft(queue.directory);
});

Deno.test("a real ENOSPC from /dev/full is recognised", {
  ignore: !(() => {
    try {
      return Deno.statSync("/dev/full").isCharDevice;
    } catch {
      return false;
    }
  })(),
}, async () => {
  await using queue = await temporaryQueue({
    createFile: () => Deno.openSync("/dev/full", { write: true }),
  });
  const writer = await queue.gate(testEnvelope());
  await writer.write(encoder.encode("hello\n"));
  const error = await writer.commit().then(() => undefined, (e) => e);
  assert.ok(isOutOfSpace(error), `expected ENOSPC, got ${error}`);
  assert.ok(!isOutOfSpace(new Error("other")));
  assert.ok(!isOutOfSpace(undefined));
  await assertNothingLeft(queue.directory);
});

Deno.test("writes are serialized even when the producer does not await them", async () => {
  await using queue = await temporaryQueue();
  const writer = await queue.gate(testEnvelope());
  const parts = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
  const big = "B".repeat(WRITE_BUFFER_SIZE + 10) + "\n";
  await Promise.all([
    ...parts.map((p) => writer.write(encoder.encode(p))),
    writer.write(encoder.encode(big)),
    writer.commit(),
  ]);
  const bytes = await Deno.readFile(queue.store.path("incoming", writer.id));
  const envelope = parseQueueFile(bytes, bytes.length);
  assert.equal(
    new TextDecoder().decode(bytes.subarray(envelope.contentOffset)),
    parts.join("") + big,
  );
});

Deno.test("a maildrop writer commits to maildrop/ without notifying the manager", async () => {
  await using queue = await temporaryQueue();
  let notified = 0;
  queue.store.subscribe(() => notified++);
  const writer = await queue.gate(testEnvelope(), {
    queue: "maildrop",
  });
  await writer.write(encoder.encode("local\n"));
  await writer.commit();
  assert.deepEqual(await namesIn(join(queue.directory, "maildrop")), [
    writer.id,
  ]);
  assert.deepEqual(await namesIn(join(queue.directory, "incoming")), []);
  assert.equal(notified, 0);
  await writer.abort(); // after commit: nothing to discard
  assert.deepEqual(await namesIn(join(queue.directory, "maildrop")), [
    writer.id,
  ]);
});

Deno.test("a header larger than the write buffer (many recipients) is written whole", async () => {
  await using queue = await temporaryQueue();
  const recipients = Array.from(
    { length: 3000 },
    (_, i) => `user${i}@example.test`,
  );
  const writer = await queue.gate(testEnvelope(recipients));
  await writer.write(encoder.encode("hi\n"));
  await writer.commit();
  const envelope = await queue.store.readEnvelope("incoming", writer.id);
  assert.ok(envelope.contentOffset > WRITE_BUFFER_SIZE);
  assert.equal(envelope.recipients.length, 3000);
  assert.equal(envelope.recipients[2999].address, "user2999@example.test");
});
