import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createEnqueue, type GateQueue } from "../../../src/queue/enqueue.ts";
import type { SpareFile } from "../../../src/queue/spare_pool.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testEnvelope,
} from "./config_fixture.ts";

const SRC = fileURLToPath(new URL("../../../src", import.meta.url));

/** Every .ts file under `directory`, as paths relative to src/. */
async function sourceFiles(directory = SRC): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(directory)) {
    const path = join(directory, entry.name);
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(relative(SRC, path));
  }
  return files.sort();
}

/** The src/-relative files that `file` imports or re-exports from. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(SRC, file));
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms),
  ].map((m) => m[1]).filter((s) => s.startsWith("."));
  return specifiers.map((s) => relative(SRC, resolve(SRC, dirname(file), s)));
}

Deno.test("the gate fixes queue ID and arrival time, and announces a commit to incoming/ once durable", async () => {
  await using queue = await temporaryQueue();
  const gate = createEnqueue(queue.store, {
    newQueueId: () => "8DsBw0lSIIgfQSJ",
    now: () => 1_700_000_000_123.7,
  });
  const announced: string[] = [];
  queue.store.subscribe((id) => announced.push(id));
  const writer = await gate(testEnvelope());
  assert.equal(writer.id, "8DsBw0lSIIgfQSJ");
  await writer.write(new TextEncoder().encode("Subject: x\n\ny\n"));
  assert.deepEqual(announced, [], "nothing before the commit");
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), []);
  await writer.commit();
  assert.deepEqual(announced, ["8DsBw0lSIIgfQSJ"]);
  const envelope = await queue.store.readEnvelope(
    "incoming",
    "8DsBw0lSIIgfQSJ",
  );
  assert.equal(envelope.arrivalTime, 1_700_000_000_123);
});

Deno.test("the gate writes into the queue it is given: spares from it, commits announced through it", async () => {
  await using queue = await temporaryQueue();
  const taken: string[] = [];
  const announced: string[] = [];
  // A queue seen only through the gate's interface, backed by the store.
  const seen: GateQueue = {
    queueDirectory: queue.directory,
    takeSpare(): SpareFile | undefined {
      const spare = queue.store.takeSpare();
      if (spare) taken.push(spare.path);
      return spare;
    },
    announce: (id) => announced.push(id),
  };
  const first = await enqueue(queue.gate);
  await queue.store.remove("incoming", first);
  const second = await enqueue(createEnqueue(seen));
  assert.deepEqual(taken, [join(queue.directory, "tmp", `spare.${first}`)]);
  assert.deepEqual(announced, [second]);
  assert.deepEqual(await namesIn(queue.store.directory("incoming")), [second]);
  assert.deepEqual(await namesIn(queue.store.directory("tmp")), []);
});

Deno.test("only the gate creates queue files: nothing else in src/ uses the queue writer", async () => {
  const users: string[] = [];
  for (const file of await sourceFiles()) {
    if ((await importsOf(file)).includes("queue/queue_writer.ts")) {
      const text = await Deno.readTextFile(join(SRC, file));
      if (text.includes("createQueueWriter")) users.push(file);
    }
  }
  assert.deepEqual(users, ["queue/enqueue.ts"]);
});

Deno.test("producers see the queue only through its gate (agents also through the delivery contract); the queue imports nothing of delivery", async () => {
  const crossings: string[] = [];
  for (const file of await sourceFiles()) {
    const role = file.split("/")[0];
    for (const target of await importsOf(file)) {
      const producer = role === "smtp" || role === "delivery" ||
        role === "pop3";
      const allowed = target === "queue/enqueue.ts" ||
        (role === "delivery" && target === "queue/delivery_contract.ts");
      if (producer && target.startsWith("queue/") && !allowed) {
        crossings.push(`${file} -> ${target}`);
      }
      if (role === "queue" && target.startsWith("delivery/")) {
        crossings.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(crossings, []);
});
