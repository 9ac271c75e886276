import assert from "node:assert/strict";
import { join } from "node:path";
import { QUEUE_DIRECTORIES, QueueStore } from "../../../src/queue/store.ts";
import { CorruptQueueFileError } from "../../../src/queue/queue_file.ts";
import { newQueueId } from "../../../src/queue/queue_id.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testEnvelope,
} from "./config_fixture.ts";

async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

Deno.test("open creates the layout 0700 and empties tmp/", async () => {
  const directory = await Deno.makeTempDir({ prefix: "mailsrv-queue-" });
  try {
    await QueueStore.open(directory);
    assert.deepEqual(await namesIn(directory), [...QUEUE_DIRECTORIES].sort());
    for (const name of QUEUE_DIRECTORIES) {
      assert.equal(
        (await Deno.stat(join(directory, name))).mode! & 0o777,
        0o700,
        name,
      );
    }
    await Deno.writeTextFile(
      join(directory, "tmp", newQueueId()),
      "never acknowledged",
    );
    await Deno.mkdir(join(directory, "tmp", "stray"));
    await QueueStore.open(directory, { clearStaging: false });
    assert.equal((await namesIn(join(directory, "tmp"))).length, 2);
    await QueueStore.open(directory);
    assert.deepEqual(await namesIn(join(directory, "tmp")), []);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("readEnvelope reads the header and checks the file name", async () => {
  await using queue = await temporaryQueue({ now: () => 1_700_000_000_000 });
  const id = await enqueue(
    queue.gate,
    testEnvelope(["a@x.test", "b@x.test"]),
    "Hi\n",
  );
  const envelope = await queue.store.readEnvelope("incoming", id);
  assert.equal(envelope.id, id);
  assert.equal(envelope.arrivalTime, 1_700_000_000_000);
  assert.equal(envelope.size, 3);
  assert.deepEqual(envelope.recipients.map((r) => r.address), [
    "a@x.test",
    "b@x.test",
  ]);

  const other = newQueueId();
  await Deno.copyFile(
    queue.store.path("incoming", id),
    queue.store.path("incoming", other),
  );
  await assert.rejects(
    () => queue.store.readEnvelope("incoming", other),
    CorruptQueueFileError,
    `queue ID "${id}" does not match the file name`,
  );
  await assert.rejects(
    () => queue.store.readEnvelope("incoming", newQueueId()),
    Deno.errors.NotFound,
  );
});

Deno.test("a file whose header never ends is corrupt", async () => {
  await using queue = await temporaryQueue();
  const id = newQueueId();
  const path = queue.store.path("active", id);
  await Deno.writeTextFile(path, "MAILSRV-QUEUE 1\n" + "x=y\n".repeat(10_000));
  await assert.rejects(
    () => queue.store.readEnvelope("active", id),
    CorruptQueueFileError,
    "no terminating empty line",
  );
});

Deno.test("openContent streams the content in chunks and closes at the end", async () => {
  await using queue = await temporaryQueue();
  const content = "Subject: big\n\n" + "y".repeat(200_000) + "\n";
  const id = await enqueue(queue.gate, testEnvelope(), content);
  const envelope = await queue.store.readEnvelope("incoming", id);
  const chunks = await readAll(
    queue.store.openContent("incoming", id, envelope),
  );
  assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
  assert.ok(chunks.every((c) => c.length <= 64 * 1024));
  const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    joined.set(c, at);
    at += c.length;
  }
  assert.equal(new TextDecoder().decode(joined), content);
  // A stream that is cancelled, or never read, holds no file open (the
  // test sanitizer would report a leaked resource).
  const cancelled = queue.store.openContent("incoming", id, envelope);
  const reader = cancelled.getReader();
  await reader.read();
  await reader.cancel();
  queue.store.openContent("incoming", id, envelope);
});

Deno.test("openContent of an empty message ends at once; a short file errors", async () => {
  await using queue = await temporaryQueue();
  const id = await enqueue(queue.gate, testEnvelope(), "");
  const envelope = await queue.store.readEnvelope("incoming", id);
  assert.deepEqual(
    await readAll(queue.store.openContent("incoming", id, envelope)),
    [],
  );
  const lying = { contentOffset: envelope.contentOffset, size: 10 };
  await assert.rejects(
    () => readAll(queue.store.openContent("incoming", id, lying)),
    CorruptQueueFileError,
  );
});

Deno.test("markRecipients overwrites status bytes in place", async () => {
  await using queue = await temporaryQueue();
  const id = await enqueue(
    queue.gate,
    testEnvelope(["a@x.test", "b@x.test", "c@x.test"]),
    "x\n",
  );
  const before = await Deno.readFile(queue.store.path("incoming", id));
  const { recipients } = await queue.store.readEnvelope("incoming", id);
  await queue.store.markRecipients("incoming", id, [
    recipients[0].statusOffset,
    recipients[2].statusOffset,
  ], "delivered");
  await queue.store.markRecipients(
    "incoming",
    id,
    [recipients[1].statusOffset],
    "bounced",
  );
  const after = await queue.store.readEnvelope("incoming", id);
  assert.deepEqual(after.recipients.map((r) => r.status), [
    "delivered",
    "bounced",
    "delivered",
  ]);
  const bytes = await Deno.readFile(queue.store.path("incoming", id));
  assert.equal(bytes.length, before.length);
  const changed = bytes.reduce((n, b, i) => n + (b === before[i] ? 0 : 1), 0);
  assert.equal(changed, 3);
});

Deno.test("markRecipients refuses an offset that is not a status byte, writing nothing", async () => {
  await using queue = await temporaryQueue();
  const id = await enqueue(
    queue.gate,
    testEnvelope(["a@x.test", "b@x.test"]),
    "x\n",
  );
  const before = await Deno.readFile(queue.store.path("incoming", id));
  const { recipients } = await queue.store.readEnvelope("incoming", id);
  for (const bad of [recipients[1].statusOffset + 1, 2, before.length + 10]) {
    await assert.rejects(
      () =>
        queue.store.markRecipients("incoming", id, [
          recipients[0].statusOffset,
          bad,
        ], "delivered"),
      CorruptQueueFileError,
      `no recipient status at offset ${bad}`,
    );
  }
  assert.deepEqual(
    await Deno.readFile(queue.store.path("incoming", id)),
    before,
  );
});

Deno.test("move, retry time, defer reasons and remove", async () => {
  await using queue = await temporaryQueue();
  const { store } = queue;
  const id = await enqueue(queue.gate);
  await store.move(id, "incoming", "active");
  await store.setRetryTime("active", id, 1_800_000_000_000);
  await store.move(id, "active", "deferred");
  assert.equal(await store.retryTime("deferred", id), 1_800_000_000_000);
  assert.equal(await store.retryTime("active", id), undefined);

  await store.writeDeferReasons(id, [
    { recipient: "bob@example.test", reason: "mailbox busy" },
    { recipient: "odd: user@example.test", reason: "line\nbreak" },
  ]);
  assert.equal((await Deno.stat(store.path("defer", id))).mode! & 0o777, 0o600);
  assert.deepEqual(
    await store.readDeferReasons(id),
    new Map([["bob@example.test", "mailbox busy"], [
      "odd: user@example.test",
      "line break",
    ]]),
  );
  await store.remove("deferred", id);
  assert.deepEqual(await namesIn(store.directory("deferred")), []);
  assert.deepEqual(await namesIn(store.directory("defer")), []);
  assert.deepEqual(await store.readDeferReasons(id), new Map());
  await assert.rejects(
    () => store.remove("deferred", id),
    Deno.errors.NotFound,
  );
});

Deno.test("list yields queue IDs only, streamed from the directory", async () => {
  await using queue = await temporaryQueue();
  const ids = [
    await enqueue(queue.gate),
    await enqueue(queue.gate),
    await enqueue(queue.gate),
  ];
  await Deno.writeTextFile(
    join(queue.store.directory("incoming"), ".hidden"),
    "",
  );
  await Deno.writeTextFile(
    join(queue.store.directory("incoming"), "README"),
    "",
  );
  await Deno.mkdir(join(queue.store.directory("incoming"), newQueueId()));
  const listed: string[] = [];
  for await (const id of queue.store.list("incoming")) listed.push(id);
  assert.deepEqual(listed.sort(), ids.sort());
});

Deno.test("a throwing commit listener does not fail the commit; it is logged", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    const seen: string[] = [];
    queue.store.subscribe(() => {
      throw new Error("listener bug");
    });
    const unsubscribe = queue.store.subscribe((id) => seen.push(id));
    const first = await enqueue(queue.gate);
    unsubscribe();
    await enqueue(queue.gate);
    assert.deepEqual(seen, [first]);
    assert.match(
      lines[0],
      new RegExp(
        `cleanup\\[\\d+\\]: error: ${first}: commit listener failed: listener bug`,
      ),
    );
  } finally {
    await closeLogging();
  }
});
