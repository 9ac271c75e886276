import assert from "node:assert/strict";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import {
  type BounceRequest,
  sendBounce,
  writeHeaderBlock,
} from "../../../src/queue/bounce.ts";
import type { QueueStore } from "../../../src/queue/store.ts";
import type { Enqueue } from "../../../src/queue/types.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testConfig,
  testEnvelope,
} from "./config_fixture.ts";

const CONTENT = "Received: from x\nSubject: hi\n\nBody line.\n";

/** Reads the content of queue file `id` in incoming/. */
async function incomingContent(store: QueueStore, id: string) {
  const envelope = await store.readEnvelope("incoming", id);
  const text = await new Response(
    store.openContent("incoming", id, envelope),
  ).text();
  return { envelope, text };
}

async function request(
  queue: { store: QueueStore; gate: Enqueue; directory: string },
  sender = "alice@example.test",
  bounceSizeLimit = 50_000,
): Promise<BounceRequest> {
  const { store, gate, directory } = queue;
  const id = await enqueue(
    gate,
    testEnvelope(["bob@example.test"], { sender }),
    CONTENT,
  );
  await store.move(id, "incoming", "active");
  const envelope = await store.readEnvelope("active", id);
  return {
    envelope,
    content: () => store.openContent("active", id, envelope),
    failures: [{
      recipient: "bob@example.test",
      dsn: "5.1.1",
      reason: "unknown user",
      relay: "local",
    }],
    config: testConfig(directory, { bounce_size_limit: bounceSizeLimit }),
    now: Date.UTC(2024, 0, 2, 3, 4, 5),
  };
}

Deno.test("a bounce goes through the gate: incoming/, null sender, to the original sender", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    const req = await request(queue);
    const notified: string[] = [];
    queue.store.subscribe((id) => notified.push(id));
    const opened: string[] = [];
    const gate: Enqueue = async (envelope, options) => {
      const writer = await queue.gate(envelope, options);
      opened.push(writer.id);
      return writer;
    };
    const id = await sendBounce(gate, req);
    assert.ok(id);
    assert.deepEqual(opened, [id], "written through the gate it was given");
    assert.deepEqual(notified, [id], "the queue manager is told");
    assert.deepEqual(await namesIn(queue.store.directory("incoming")), [id]);
    const { envelope, text } = await incomingContent(queue.store, id);
    assert.equal(envelope.sender, "");
    assert.deepEqual(envelope.recipients.map((r) => r.address), [
      "alice@example.test",
    ]);
    assert.equal(envelope.protocol, "LOCAL");
    assert.match(text, /^From: MAILER-DAEMON@mx\.example\.test /);
    assert.match(text, new RegExp(`Message-Id: <\\d{14}\\.${id}@`));
    assert.ok(
      text.includes(`Content-Type: message/rfc822\n\n${CONTENT}\n--`),
      "the whole original, between head and tail",
    );
    assert.ok(
      lines.some((l) =>
        l.includes(
          `bounce[${Deno.pid}]: ${req.envelope.id}: sender non-delivery notification: ${id}`,
        )
      ),
    );
  } finally {
    await closeLogging();
  }
});

Deno.test("over bounce_size_limit the header block alone is returned", async () => {
  await using queue = await temporaryQueue();
  await setupLogging({ hostname: "mx", stderr: false, sink: () => {} });
  try {
    const req = await request(queue, undefined, 10);
    const id = await sendBounce(queue.gate, {
      ...req,
      config: testConfig(queue.directory, { bounce_size_limit: 40 }),
    });
    const { text } = await incomingContent(queue.store, id!);
    assert.ok(
      text.includes(
        "Content-Type: text/rfc822-headers\n\nReceived: from x\nSubject: hi\n\n--",
      ),
    );
    assert.ok(!text.includes("Body line."));
  } finally {
    await closeLogging();
  }
});

Deno.test("a failure of mail from the null sender goes to postmaster, from double-bounce", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    const req = await request(queue, "");
    const id = await sendBounce(queue.gate, req);
    assert.ok(id);
    const { envelope, text } = await incomingContent(queue.store, id);
    assert.equal(envelope.sender, "double-bounce@mx.example.test");
    assert.deepEqual(envelope.recipients.map((r) => r.address), [
      "postmaster@example.test",
    ]);
    assert.match(text, /\nTo: <postmaster@example\.test>\n/);
    assert.match(text, /\nSubject: Postmaster Copy: Undelivered Mail\n/);
    assert.match(text, /\nAction: failed\n/);
    assert.ok(
      lines.some((l) =>
        l.includes(
          `${req.envelope.id}: postmaster non-delivery notification: ${id}`,
        )
      ),
    );
  } finally {
    await closeLogging();
  }
});

Deno.test("2bounce_notice_recipient names who gets the postmaster copy", async () => {
  await using queue = await temporaryQueue();
  const req = await request(queue, "");
  const id = await sendBounce(queue.gate, {
    ...req,
    config: testConfig(queue.directory, {
      "2bounce_notice_recipient": "mailadmin@elsewhere.test",
    }),
  });
  const { envelope } = await incomingContent(queue.store, id!);
  assert.deepEqual(envelope.recipients.map((r) => r.address), [
    "mailadmin@elsewhere.test",
  ]);
});

Deno.test("a failed postmaster copy is discarded: no triple bounce", async () => {
  await using queue = await temporaryQueue();
  const lines: string[] = [];
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    const req = await request(queue, "double-bounce@mx.example.test");
    assert.equal(await sendBounce(queue.gate, req), undefined);
    assert.deepEqual(await namesIn(queue.store.directory("incoming")), []);
    assert.deepEqual(await namesIn(queue.store.directory("tmp")), []);
    assert.ok(
      lines.some((l) =>
        l.includes(
          `warning: ${req.envelope.id}: undeliverable postmaster notification discarded`,
        )
      ),
    );
  } finally {
    await closeLogging();
  }
});

Deno.test("the null sender gets no delay or success notice", async () => {
  await using queue = await temporaryQueue();
  const req = await request(queue, "");
  for (const kind of ["delay", "success"] as const) {
    const failures = req.failures.map((f) => ({
      ...f,
      notify: ["SUCCESS", "DELAY"] as const,
    }));
    assert.equal(
      await sendBounce(queue.gate, { ...req, kind, failures }),
      undefined,
    );
  }
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), []);
});

Deno.test("NOTIFY decides who is reported; nobody asked, nothing is written", async () => {
  await using queue = await temporaryQueue();
  await setupLogging({ hostname: "mx", stderr: false, sink: () => {} });
  try {
    const req = await request(queue);
    const base = req.failures[0];
    const failures = [
      { ...base, recipient: "never@x.test", notify: ["NEVER"] as const },
      { ...base, recipient: "delay@x.test", notify: ["DELAY"] as const },
      { ...base, recipient: "default@x.test" },
      {
        ...base,
        recipient: "both@x.test",
        notify: ["SUCCESS", "FAILURE"] as const,
      },
    ];
    const reported = async (kind: "failure" | "delay" | "success") => {
      const id = await sendBounce(queue.gate, { ...req, kind, failures });
      if (id === undefined) return [];
      const { text } = await incomingContent(queue.store, id);
      return [...text.matchAll(/^Final-Recipient: rfc822; (\S+)$/gm)].map(
        (m) => m[1],
      );
    };
    assert.deepEqual(await reported("failure"), [
      "default@x.test",
      "both@x.test",
    ]);
    assert.deepEqual(await reported("delay"), [
      "delay@x.test",
      "default@x.test",
    ]);
    assert.deepEqual(await reported("success"), ["both@x.test"]);
    assert.equal(
      await sendBounce(queue.gate, {
        ...req,
        failures: [failures[0], failures[1]],
      }),
      undefined,
      "NEVER and DELAY only: no failure notice",
    );
  } finally {
    await closeLogging();
  }
});

Deno.test("a bounce that cannot be written rejects and leaves nothing behind", async () => {
  await using queue = await temporaryQueue();
  const req = await request(queue);
  // The original vanished (e.g. removed by the administrator).
  await Deno.remove(queue.store.path("active", req.envelope.id));
  await assert.rejects(sendBounce(queue.gate, req), Deno.errors.NotFound);
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), []);
  assert.deepEqual(await namesIn(queue.store.directory("tmp")), []);
});

/** Runs writeHeaderBlock over `chunks`; returns what it wrote. */
async function headerBlock(chunks: string[], limit: number) {
  const encoder = new TextEncoder();
  let cancelled = false;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) {
        controller.enqueue(encoder.encode(chunks[index++]));
      } else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  let out = "";
  await writeHeaderBlock(stream, limit, (chunk) => {
    out += new TextDecoder().decode(chunk);
    return Promise.resolve();
  });
  return { out, read: index, cancelled };
}

Deno.test("writeHeaderBlock stops at the empty line, across chunk borders", async () => {
  assert.deepEqual(
    await headerBlock(["A: 1\nB: 2\n", "\nbody\n", "more\n"], 1000),
    { out: "A: 1\nB: 2\n", read: 2, cancelled: true },
  );
  assert.deepEqual(
    (await headerBlock(["A: 1\nB: 2", "\n\nbody\n"], 1000)).out,
    "A: 1\nB: 2\n",
  );
  assert.deepEqual(
    (await headerBlock(["A: 1\nB", ": 2\n\nbody\n"], 1000)).out,
    "A: 1\nB: 2\n",
  );
  assert.equal((await headerBlock(["\nbody\n"], 1000)).out, "");
  assert.equal((await headerBlock(["A: 1\nB: 2"], 1000)).out, "A: 1\nB: 2");
});

Deno.test("writeHeaderBlock cuts after the last whole line within the limit", async () => {
  assert.equal(
    (await headerBlock(["A: 1\nB: 2\nC: 3\n\nbody"], 11)).out,
    "A: 1\nB: 2\n",
  );
  assert.equal(
    (await headerBlock(["A: 1\nB: 2\nC: 3\n\n"], 10)).out,
    "A: 1\nB: 2\n",
  );
  assert.equal((await headerBlock(["A: 1\nB", ": 2\nC"], 9)).out, "A: 1\n");
  assert.equal((await headerBlock(["Aaaaaaaaaaaaa: 1\n"], 5)).out, "");
  const long = await headerBlock(["X: 1\n", "y".repeat(50), "z\n\n"], 20);
  assert.deepEqual(long, { out: "X: 1\n", read: 2, cancelled: true });
});
