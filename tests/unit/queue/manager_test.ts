import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
} from "../../../src/delivery/types.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import {
  createQueueManager,
  type QueueManager,
  type QueueManagerOptions,
} from "../../../src/queue/manager.ts";
import type { FlushedMessage } from "../../../src/queue/flush_run.ts";
import { createEnqueue } from "../../../src/queue/enqueue.ts";
import { QueueStore } from "../../../src/queue/store.ts";
import type {
  Enqueue,
  QueueName,
  RecipientStatus,
} from "../../../src/queue/types.ts";
import {
  enqueue,
  namesIn,
  testConfig,
  testEnvelope,
} from "./config_fixture.ts";

const T0 = 1_700_000_000_000;
const SENT: DeliveryResult = {
  outcome: "sent",
  dsn: "2.0.0",
  reason: "delivered to maildir",
  relay: "local",
};
const BUSY: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.2.1",
  reason: "mailbox busy",
  relay: "local",
};

/** Waits (without asserting any timing) until `condition` holds. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
) {
  for (let turn = 0; turn < 20_000; turn++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error(`Gave up waiting for ${what}`);
}

/** Lets the manager run for a while, to show that something does NOT happen. */
async function letRun() {
  for (let turn = 0; turn < 50; turn++) {
    await new Promise((r) => setTimeout(r, 0));
  }
}

interface Call {
  readonly id: string;
  readonly recipient: string;
}

/** Everything a manager test needs: a queue, a clock, a fake agent, logs. */
class Harness implements AsyncDisposable {
  readonly lines: string[] = [];
  readonly calls: Call[] = [];
  readonly timers: Array<
    { callback: () => void; delayMs: number; cancelled: boolean }
  > = [];
  clock = T0;
  configuration: Config;
  /** The agent's answer for a recipient (default: sent). */
  answer: (
    message: DeliveryMessage,
  ) => Promise<DeliveryResult> | DeliveryResult = () => SENT;
  managers: QueueManager[] = [];
  /** The gate the managers write bounces through (tests may replace it). */
  gate: Enqueue;

  private constructor(readonly directory: string, public store: QueueStore) {
    this.configuration = testConfig(directory);
    this.gate = createEnqueue(store, { now: () => this.clock });
  }

  static async create(overrides: Partial<Config> = {}): Promise<Harness> {
    const directory = await Deno.makeTempDir({ prefix: "mailsrv-qmgr-" });
    const harness = new Harness(directory, await QueueStore.open(directory));
    harness.configuration = testConfig(directory, overrides);
    await setupLogging({
      hostname: "mx",
      stderr: false,
      sink: (line) => harness.lines.push(line),
    });
    return harness;
  }

  /** Reopens the store as a restarted daemon would (tmp/ emptied). */
  async restart(): Promise<void> {
    this.store = await QueueStore.open(this.directory);
    this.gate = createEnqueue(this.store, { now: () => this.clock });
  }

  /** `flushRequested` of each delivery call, as `recipient flag`. */
  readonly flushFlags: string[] = [];

  manager(options: Partial<QueueManagerOptions> = {}): QueueManager {
    const manager = createQueueManager({
      store: this.store,
      enqueue: (envelope, options) => this.gate(envelope, options),
      config: () => this.configuration,
      now: () => this.clock,
      deliver: async (message) => {
        this.calls.push({ id: message.queueId, recipient: message.recipient });
        this.flushFlags.push(
          `${message.recipient} ${message.flushRequested ?? false}`,
        );
        return await this.answer(message);
      },
      schedule: (callback, delayMs) => {
        const timer = { callback, delayMs, cancelled: false };
        this.timers.push(timer);
        return () => void (timer.cancelled = true);
      },
      ...options,
    });
    this.managers.push(manager);
    return manager;
  }

  /** Fires the pending deferred-queue timer, as queue_run_delay passing. */
  fireTimer(): void {
    const timer = this.timers.findLast((t) => !t.cancelled);
    assert.ok(timer, "no deferred queue run is scheduled");
    timer.cancelled = true;
    timer.callback();
  }

  async enqueue(
    recipients: string[],
    queue: QueueName | "tmp" = "incoming",
    content?: string,
  ): Promise<string> {
    const id = await enqueue(this.gate, testEnvelope(recipients), content);
    if (queue !== "incoming") {
      await Deno.rename(
        this.store.path("incoming", id),
        this.store.path(queue, id),
      );
    }
    return id;
  }

  async mark(
    queue: QueueName,
    id: string,
    index: number,
    status: RecipientStatus,
  ) {
    const { recipients } = await this.store.readEnvelope(queue, id);
    await this.store.markRecipients(
      queue,
      id,
      [recipients[index].statusOffset],
      status,
    );
  }

  async statuses(queue: QueueName, id: string): Promise<RecipientStatus[]> {
    return (await this.store.readEnvelope(queue, id)).recipients.map((r) =>
      r.status
    );
  }

  names(queue: QueueName | "tmp" | "defer"): Promise<string[]> {
    return namesIn(join(this.directory, queue));
  }

  delivered(): string[] {
    return this.calls.map((c) => `${c.id} ${c.recipient}`).sort();
  }

  logged(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }

  async [Symbol.asyncDispose]() {
    for (const manager of this.managers) await manager.stop(0);
    for (const manager of this.managers) await manager.whenIdle();
    await closeLogging();
    await Deno.remove(this.directory, { recursive: true });
  }
}

/** A deliver function whose calls wait until the test releases them. */
function gate() {
  const waiting: Array<
    { message: DeliveryMessage; release: (r: DeliveryResult) => void }
  > = [];
  return {
    waiting,
    deliver: (message: DeliveryMessage) =>
      new Promise<DeliveryResult>((release) =>
        waiting.push({ message, release })
      ),
    releaseOne(result: DeliveryResult = SENT) {
      const next = waiting.shift();
      assert.ok(next, "no delivery is waiting");
      next.release(result);
    },
  };
}

Deno.test("recovery after a crash at each step delivers exactly the right recipients once", async () => {
  await using h = await Harness.create();
  // The on-disk state a crash can leave behind:
  const staged = await h.enqueue(["staged@x.test"], "tmp"); // never acknowledged
  const incoming = await h.enqueue(["in1@x.test", "in2@x.test"]); // acknowledged, not taken
  const active = await h.enqueue(
    ["a1@x.test", "a2@x.test", "a3@x.test"],
    "active",
  );
  await h.mark("active", active, 0, "delivered"); // crashed mid-attempt
  const finished = await h.enqueue(["f1@x.test", "f2@x.test"], "active");
  await h.mark("active", finished, 0, "delivered");
  await h.mark("active", finished, 1, "bounced"); // crashed before the unlink
  const due = await h.enqueue(["due@x.test"], "deferred");
  await h.store.setRetryTime("deferred", due, T0 - 1000);
  const later = await h.enqueue(["later@x.test"], "deferred");
  await h.store.setRetryTime("deferred", later, T0 + 3_600_000);
  const corrupt = await h.enqueue(["c@x.test"], "active");
  await Deno.writeTextFile(
    h.store.path("active", corrupt),
    "MAILSRV-QUEUE 1\nid=" + corrupt + "\n",
    { append: false },
  );

  await h.restart();
  assert.deepEqual(await h.names("tmp"), [], "tmp/ is emptied at start");
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();

  assert.deepEqual(
    h.delivered(),
    [
      `${active} a2@x.test`,
      `${active} a3@x.test`,
      `${due} due@x.test`,
      `${incoming} in1@x.test`,
      `${incoming} in2@x.test`,
    ].sort(),
  );
  assert.ok(
    !h.calls.some((c) =>
      c.id === staged || c.id === finished || c.id === later
    ),
  );
  assert.deepEqual(await h.names("active"), []);
  assert.deepEqual(await h.names("incoming"), []);
  assert.deepEqual(await h.names("deferred"), [later]);
  assert.deepEqual(await h.names("corrupt"), [corrupt]);
  assert.ok(
    h.logged(
      new RegExp(
        `mailsrv/qmgr\\[\\d+\\]: warning: ${corrupt}: corrupt queue file: header has no terminating empty line; moved to corrupt/`,
      ),
    ),
  );
  for (const id of [incoming, active, finished, due]) {
    assert.ok(
      h.logged(new RegExp(`qmgr\\[\\d+\\]: ${id}: removed$`, "m")),
      `${id} removed`,
    );
  }
  assert.ok(
    h.logged(
      new RegExp(
        `${active}: from=<alice@example\\.test>, size=\\d+, nrcpt=3 \\(queue active\\)`,
      ),
    ),
  );
  assert.ok(
    h.logged(
      new RegExp(
        `mailsrv/local\\[\\d+\\]: ${active}: to=<a2@x\\.test>, relay=local, delay=\\d.*, delays=[\\d.]+/[\\d.]+/0/[\\d.]+, dsn=2\\.0\\.0, status=sent \\(delivered to maildir\\)`,
      ),
    ),
  );
});

Deno.test("a committed message is taken from the commit notification, with its content", async () => {
  await using h = await Harness.create();
  const contents: string[] = [];
  h.answer = async (message) => {
    contents.push(await new Response(await message.content()).text());
    return SENT;
  };
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  const id = await h.enqueue(
    ["bob@x.test"],
    "incoming",
    "Subject: hi\n\nHello\n",
  );
  await until("the delivery", () => h.calls.length === 1);
  await manager.whenIdle();
  assert.equal(
    h.timers.filter((t) => !t.cancelled).length,
    1,
    "only the deferred-queue timer",
  );
  assert.deepEqual(h.delivered(), [`${id} bob@x.test`]);
  assert.deepEqual(contents, ["Subject: hi\n\nHello\n"]);
  assert.deepEqual(await h.names("incoming"), []);
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("deferral sets the retry time per backoff and writes defer/<id>", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["ok@x.test", "busy@x.test"]); // arrives at T0
  h.clock = T0 + 1_000_000; // 1000 s old at the attempt
  h.answer = (m) => m.recipient === "busy@x.test" ? BUSY : SENT;
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();

  assert.deepEqual(await h.names("deferred"), [id]);
  assert.deepEqual(await h.statuses("deferred", id), ["delivered", "pending"]);
  // backoff = message age (1000 s), within [300 s, 4000 s]
  assert.equal(await h.store.retryTime("deferred", id), T0 + 2_000_000);
  assert.equal(
    await Deno.readTextFile(h.store.path("defer", id)),
    "busy@x.test: mailbox busy\n",
  );
  assert.ok(
    h.logged(
      new RegExp(
        `${id}: to=<busy@x\\.test>, relay=local, .*dsn=4\\.2\\.1, status=deferred \\(mailbox busy\\)`,
      ),
    ),
  );
  assert.ok(!h.logged(new RegExp(`${id}: removed`)));

  // The deferred queue run before the retry time leaves it alone …
  h.clock = T0 + 1_999_999;
  h.fireTimer();
  await manager.whenIdle();
  assert.equal(h.calls.length, 2);
  // … and takes it once the retry time has come: only the pending recipient.
  h.clock = T0 + 2_000_000;
  h.answer = () => SENT;
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(h.calls.map((c) => c.recipient).sort(), [
    "busy@x.test",
    "busy@x.test",
    "ok@x.test",
  ]);
  assert.deepEqual(await h.names("deferred"), []);
  assert.deepEqual(await h.names("defer"), []);
  assert.ok(h.logged(new RegExp(`${id}: removed`)));
  assert.equal(h.timers.at(-1)!.delayMs, 300_000, "queue_run_delay");
});

Deno.test("the backoff doubles from the minimum and stops at the maximum", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["busy@x.test"]);
  h.answer = () => BUSY;
  const manager = h.manager();
  await manager.start();
  const intervals: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    await manager.whenIdle();
    const retry = (await h.store.retryTime("deferred", id))!;
    intervals.push((retry - h.clock) / 1000);
    h.clock = retry;
    h.fireTimer();
  }
  await manager.whenIdle();
  assert.deepEqual(intervals, [300, 300, 600, 1200, 2400, 4000]);
  assert.equal(h.calls.length, 7);
});

Deno.test("flush delivers deferred mail at once, ignoring retry times", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["later@x.test"], "deferred");
  await h.store.setRetryTime("deferred", id, T0 + 86_400_000);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.equal(h.calls.length, 0);
  manager.flush();
  await manager.whenIdle();
  assert.deepEqual(h.delivered(), [`${id} later@x.test`]);
  assert.deepEqual(await h.names("deferred"), []);
});

/** Makes the next move from active/ to deferred/ fail as a full disk does. */
function failNextDeferral(h: Harness): void {
  const move = h.store.move.bind(h.store);
  let failed = false;
  h.store.move = (id, from, to) => {
    if (!failed && from === "active" && to === "deferred") {
      failed = true;
      return Promise.reject(new Error("No space left on device (os error 28)"));
    }
    return move(id, from, to);
  };
}

Deno.test("a message an attempt could not move out of active/ is retried by a flush", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["busy@x.test"]);
  h.answer = () => BUSY;
  failNextDeferral(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(await h.names("active"), [id]);
  assert.ok(h.logged(new RegExp(`${id}: queue file update failed`)));
  h.answer = () => SENT;
  const report = await manager.flush();
  await manager.whenIdle();
  assert.equal(report.sent, 1);
  assert.deepEqual(await h.names("active"), []);
  assert.deepEqual(await h.names("defer"), []);
  assert.equal(h.calls.length, 2);
});

Deno.test("a message an attempt could not move out of active/ is retried at the next queue run", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["busy@x.test"]);
  h.answer = () => BUSY;
  failNextDeferral(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(await h.names("active"), [id]);
  // New mail does not disturb it; the queue run takes it.
  h.answer = () => SENT;
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(await h.names("active"), []);
  assert.deepEqual(await h.names("deferred"), []);
  assert.equal(h.calls.length, 2);
});

Deno.test("defer/ records of messages that no longer exist are removed at start and on queue runs", async () => {
  await using h = await Harness.create();
  const kept = await h.enqueue(["later@x.test"], "deferred");
  await h.store.setRetryTime("deferred", kept, T0 + 86_400_000);
  await h.store.writeDeferReasons(kept, [{
    recipient: "later@x.test",
    reason: "busy",
  }]);
  await Deno.writeTextFile(h.store.path("defer", "000000001stale1"), "a: b\n");
  const manager = h.manager();
  await manager.start();
  await until(
    "the stale record removed at start",
    async () => !(await h.names("defer")).includes("000000001stale1"),
  );
  await Deno.writeTextFile(h.store.path("defer", "000000001stale2"), "a: b\n");
  h.fireTimer();
  await until(
    "the stale record removed by the queue run",
    async () => !(await h.names("defer")).includes("000000001stale2"),
  );
  await manager.whenIdle();
  assert.deepEqual(await h.names("defer"), [kept]);
  assert.ok(h.logged(/000000001stale1: stale defer logfile removed/));
});

Deno.test("a message older than maximal_queue_lifetime bounces what is deferred", async () => {
  await using h = await Harness.create({ maximal_queue_lifetime: 86400 });
  const id = await h.enqueue(["ok@x.test", "busy@x.test"], "deferred");
  h.clock = T0 + 86_400_000;
  await h.store.setRetryTime("deferred", id, h.clock);
  const marks: Array<[number[], RecipientStatus]> = [];
  const mark = h.store.markRecipients.bind(h.store);
  h.store.markRecipients = (queue, mid, offsets, status) => {
    marks.push([[...offsets], status]);
    return mark(queue, mid, offsets, status);
  };
  const { recipients } = await h.store.readEnvelope("deferred", id);
  h.answer = (m) => m.recipient === "busy@x.test" ? BUSY : SENT;
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();

  assert.deepEqual(marks, [[[recipients[0].statusOffset], "delivered"], [[
    recipients[1].statusOffset,
  ], "bounced"]]);
  assert.ok(
    h.logged(
      new RegExp(
        `qmgr\\[\\d+\\]: ${id}: from=<alice@example\\.test>, status=expired, returned to sender$`,
        "m",
      ),
    ),
  );
  assert.ok(h.logged(new RegExp(`${id}: removed`)));
  assert.deepEqual(await h.names("deferred"), []);
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("agent errors: temporary defers, permanent bounces, a bug defers with a warning", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue([
    "temp@x.test",
    "perm@x.test",
    "bug@x.test",
    "gone@x.test",
  ]);
  h.answer = (m) => {
    if (m.recipient === "temp@x.test") {
      throw new DeliveryError("disk quota exceeded", true, "4.2.2");
    }
    if (m.recipient === "perm@x.test") {
      throw new DeliveryError("no such user", false, "5.1.1");
    }
    if (m.recipient === "bug@x.test") throw new TypeError("x is undefined");
    return {
      outcome: "bounced",
      dsn: "5.1.1",
      reason: "unknown user",
      relay: "local",
    };
  };
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(await h.statuses("deferred", id), [
    "pending",
    "bounced",
    "pending",
    "bounced",
  ]);
  assert.ok(
    h.logged(
      /qmgr\[\d+\]: .*to=<temp@x\.test>, relay=none, .*dsn=4\.2\.2, status=deferred \(disk quota exceeded\)/,
    ),
  );
  assert.ok(
    h.logged(
      /to=<perm@x\.test>, relay=none, .*dsn=5\.1\.1, status=bounced \(no such user\)/,
    ),
  );
  assert.ok(
    h.logged(
      new RegExp(
        `warning: ${id}: delivery to <bug@x\\.test> failed: x is undefined`,
      ),
    ),
  );
  assert.ok(
    h.logged(/to=<bug@x\.test>, relay=none, .*dsn=4\.3\.0, status=deferred/),
  );
  assert.ok(
    h.logged(
      /local\[\d+\]: .*to=<gone@x\.test>, relay=local, .*status=bounced \(unknown user\)/,
    ),
  );
  assert.equal(
    await Deno.readTextFile(h.store.path("defer", id)),
    "temp@x.test: disk quota exceeded\nbug@x.test: delivery temporarily suspended: x is undefined\n",
  );
});

Deno.test("the active set never exceeds qmgr_message_active_limit; the rest waits on disk", async () => {
  await using h = await Harness.create({ qmgr_message_active_limit: 2 });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await h.enqueue([`r${i}@x.test`]));
  const agent = gate();
  let inFlightMax = 0;
  let activeMax = 0;
  const inFlight = new Set<string>();
  const manager = h.manager();
  h.answer = async (message) => {
    inFlight.add(message.queueId);
    inFlightMax = Math.max(inFlightMax, inFlight.size);
    activeMax = Math.max(activeMax, manager.activeCount());
    const result = await agent.deliver(message);
    inFlight.delete(message.queueId);
    return result;
  };
  await manager.start();
  await until("two deliveries", () => agent.waiting.length === 2);
  await letRun();
  assert.equal(agent.waiting.length, 2);
  assert.equal(manager.activeCount(), 2);
  assert.equal((await h.names("incoming")).length, 8);
  assert.equal((await h.names("active")).length, 2);

  // New commits while the set is full stay in incoming/ …
  for (let i = 10; i < 13; i++) ids.push(await h.enqueue([`r${i}@x.test`]));
  await letRun();
  assert.equal(manager.activeCount(), 2);
  assert.equal((await h.names("incoming")).length, 11);

  // … and are picked up by a scan as room frees.
  for (let done = 0; done < 13; done++) {
    await until("a waiting delivery", () => agent.waiting.length > 0);
    agent.releaseOne();
  }
  await manager.whenIdle();
  assert.equal(inFlightMax, 2);
  assert.equal(activeMax, 2);
  assert.deepEqual(
    h.delivered(),
    ids.map((id, i) => `${id} r${i}@x.test`).sort(),
  );
  assert.deepEqual(await h.names("incoming"), []);
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("deliveries in flight never exceed default_process_limit", async () => {
  await using h = await Harness.create({
    default_process_limit: 3,
  });
  const recipients = Array.from({ length: 8 }, (_, i) => `r${i}@x.test`);
  const id = await h.enqueue(recipients);
  const agent = gate();
  let max = 0;
  h.answer = (message) => {
    max = Math.max(max, agent.waiting.length + 1);
    return agent.deliver(message);
  };
  const manager = h.manager();
  await manager.start();
  await until("three deliveries", () => agent.waiting.length === 3);
  await letRun();
  assert.equal(agent.waiting.length, 3);
  for (let done = 0; done < recipients.length; done++) {
    await until("a waiting delivery", () => agent.waiting.length > 0);
    agent.releaseOne();
  }
  await manager.whenIdle();
  assert.equal(max, 3);
  assert.deepEqual(h.delivered(), recipients.map((r) => `${id} ${r}`).sort());
});

Deno.test("stop waits for deliveries in flight until the deadline", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["bob@x.test"]);
  const agent = gate();
  h.answer = agent.deliver;
  const manager = h.manager();
  await manager.start();
  await until("the delivery", () => agent.waiting.length === 1);
  let stopped = false;
  const stopping = manager.stop(600_000).then(() => stopped = true);
  await letRun();
  assert.equal(stopped, false);
  agent.releaseOne();
  await stopping;
  assert.deepEqual(await h.names("active"), []);
  assert.ok(h.logged(new RegExp(`${id}: removed`)));
  assert.ok(
    h.timers.every((t) => t.cancelled),
    "the deferred-queue timer is cancelled",
  );
});

Deno.test("after a stop at the deadline, unfinished work stays in active/ and resumes once", async () => {
  await using h = await Harness.create({
    default_process_limit: 1,
  });
  const id = await h.enqueue(["first@x.test", "second@x.test"]);
  const agent = gate();
  h.answer = agent.deliver;
  const manager = h.manager();
  await manager.start();
  await until("the first delivery", () => agent.waiting.length === 1);
  await manager.stop(0);
  // Mail committed after the stop is not taken.
  const late = await h.enqueue(["late@x.test"]);
  agent.releaseOne(); // the first delivery finishes after the deadline
  await manager.whenIdle();
  assert.deepEqual(await h.names("active"), [id]);
  assert.deepEqual(await h.statuses("active", id), ["delivered", "pending"]);
  assert.deepEqual(await h.names("incoming"), [late]);

  await h.restart();
  h.answer = () => SENT;
  const next = h.manager();
  await next.start();
  await next.whenIdle();
  assert.deepEqual(h.calls.map((c) => c.recipient).sort(), [
    "first@x.test",
    "late@x.test",
    "second@x.test",
  ]);
  assert.deepEqual(await h.names("active"), []);
});

const UNKNOWN: DeliveryResult = {
  outcome: "bounced",
  dsn: "5.1.1",
  reason: "unknown user",
  relay: "local",
};

/** An agent: `perm*` recipients bounce, `busy*` defer, others are sent; bounces are kept. */
function bouncingAgent(h: Harness) {
  const notices: string[] = [];
  h.answer = async (m) => {
    if (m.sender === "") {
      notices.push(await new Response(await m.content()).text());
      return SENT;
    }
    if (m.recipient.startsWith("perm")) return UNKNOWN;
    if (m.recipient.startsWith("busy")) return BUSY;
    return SENT;
  };
  return notices;
}

function noticeLines(h: Harness, id: string): string[] {
  return h.lines.filter((l) =>
    l.includes(`bounce[${Deno.pid}]: ${id}: sender non-delivery notification: `)
  );
}

Deno.test("permanent failures get exactly one bounce, recorded B only after it is durable", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["perm1@x.test", "ok@x.test", "perm2@x.test"]);
  const { recipients } = await h.store.readEnvelope("incoming", id);
  const events: string[] = [];
  h.store.subscribe((committed) => events.push(`commit ${committed}`));
  const mark = h.store.markRecipients.bind(h.store);
  h.store.markRecipients = (queue, mid, offsets, status) => {
    events.push(`${status} ${mid} ${offsets.join(",")}`);
    return mark(queue, mid, offsets, status);
  };
  const notices = bouncingAgent(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();

  assert.equal(notices.length, 1, "one notice for both recipients");
  assert.match(notices[0], /Final-Recipient: rfc822; perm1@x\.test/);
  assert.match(notices[0], /Final-Recipient: rfc822; perm2@x\.test/);
  assert.doesNotMatch(notices[0], /ok@x\.test/);
  assert.match(
    notices[0],
    /Status: 5\.1\.1\nDiagnostic-Code: X-Postfix; unknown user/,
  );
  const lines = noticeLines(h, id);
  assert.equal(lines.length, 1);
  const noticeId = lines[0].trim().split(" ").at(-1)!;
  const bounced = `bounced ${id} ${recipients[0].statusOffset},${
    recipients[2].statusOffset
  }`;
  assert.deepEqual(
    events.filter((e) => e.includes(id) || e.includes(noticeId)),
    [
      `delivered ${id} ${recipients[1].statusOffset}`,
      `commit ${noticeId}`,
      bounced,
    ],
  );
  assert.ok(
    h.logged(
      /to=<perm1@x\.test>, relay=local, .*status=bounced \(unknown user\)/,
    ),
  );
  assert.ok(
    h.lines.findIndex((l) => l.includes("to=<perm2@x.test>")) <
      h.lines.findIndex((l) => l.includes("sender non-delivery notification")),
    "status=bounced lines come before the notification line",
  );
  assert.deepEqual(await h.names("active"), []);
  assert.deepEqual(await h.names("deferred"), []);
});

Deno.test("a crash between the bounce commit and the B record repeats the bounce, never loses it", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["perm@x.test", "ok@x.test"]);
  const mark = h.store.markRecipients.bind(h.store);
  h.store.markRecipients = (queue, mid, offsets, status) =>
    status === "bounced"
      ? Promise.reject(new Error("simulated crash"))
      : mark(queue, mid, offsets, status);
  const notices = bouncingAgent(h);
  const first = h.manager();
  await first.start();
  await first.whenIdle();
  await first.stop(0);
  assert.equal(notices.length, 1, "the notice went out");
  assert.deepEqual(await h.names("active"), [id]);
  assert.deepEqual(await h.statuses("active", id), ["pending", "delivered"]);

  await h.restart();
  const second = h.manager();
  await second.start();
  await second.whenIdle();
  assert.equal(notices.length, 2, "at most a repeated notice");
  assert.equal(
    h.calls.filter((c) => c.recipient === "ok@x.test").length,
    1,
    "the delivered recipient is not delivered again",
  );
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("a single bounced recipient is recorded by the durable removal after its bounce", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["perm@x.test"]);
  const marks: RecipientStatus[] = [];
  const mark = h.store.markRecipients.bind(h.store);
  h.store.markRecipients = (queue, mid, offsets, status) => {
    if (mid === id) marks.push(status);
    return mark(queue, mid, offsets, status);
  };
  const notices = bouncingAgent(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.equal(notices.length, 1);
  assert.deepEqual(marks, [], "no status byte: the removal is the record");
  assert.ok(h.logged(new RegExp(`${id}: removed`)));
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("expiry returns the deferred recipients to the sender in one bounce", async () => {
  await using h = await Harness.create({ maximal_queue_lifetime: 86400 });
  const id = await h.enqueue(["busy@x.test", "perm@x.test"], "deferred");
  h.clock = T0 + 86_400_000;
  await h.store.setRetryTime("deferred", id, h.clock);
  const notices = bouncingAgent(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.equal(notices.length, 1);
  assert.match(
    notices[0],
    /Final-Recipient: rfc822; busy@x\.test\nAction: failed\nStatus: 4\.2\.1\nDiagnostic-Code: X-Postfix; mailbox busy/,
  );
  assert.match(notices[0], /Final-Recipient: rfc822; perm@x\.test\n/);
  assert.ok(h.logged(/status=expired, returned to sender/));
  assert.equal(noticeLines(h, id).length, 1);
  assert.deepEqual(await h.names("deferred"), []);
  assert.deepEqual(await h.names("active"), []);
});

Deno.test("a bounce that cannot be written leaves the recipient pending, and is sent on retry", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["perm@x.test"]);
  const gate = h.gate;
  h.gate = () =>
    Promise.reject(
      Object.assign(new Error("No space left on device"), { code: "ENOSPC" }),
    );
  const notices = bouncingAgent(h);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.equal(notices.length, 0);
  assert.deepEqual(await h.names("deferred"), [id]);
  assert.deepEqual(await h.statuses("deferred", id), ["pending"]);
  assert.ok(
    h.logged(
      new RegExp(
        `warning: ${id}: cannot send the sender non-delivery notification: No space left on device`,
      ),
    ),
  );

  h.gate = gate;
  h.clock = (await h.store.retryTime("deferred", id))!;
  h.fireTimer();
  await manager.whenIdle();
  assert.equal(notices.length, 1);
  assert.deepEqual(await h.names("deferred"), []);
});

Deno.test("mail from the null sender bounces to postmaster; that copy is never bounced", async () => {
  await using h = await Harness.create();
  const id = await enqueue(
    h.gate,
    testEnvelope(["perm@x.test"], { sender: "" }),
  );
  h.answer = () => UNKNOWN;
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  const copy = h.calls.find((c) => c.id !== id);
  assert.ok(copy, "a postmaster copy was delivered");
  assert.deepEqual(
    h.delivered(),
    [
      `${id} perm@x.test`,
      `${copy.id} postmaster@example.test`,
    ].sort(),
    "and nothing else: no triple bounce",
  );
  assert.ok(
    h.logged(
      new RegExp(`${id}: postmaster non-delivery notification: ${copy.id}`),
    ),
  );
  assert.ok(
    h.logged(
      new RegExp(`${copy.id}: undeliverable postmaster notification discarded`),
    ),
  );
  assert.deepEqual(await h.names("incoming"), []);
  assert.ok(h.logged(new RegExp(`${id}: removed`)));
  assert.ok(h.logged(new RegExp(`${copy.id}: removed`)));
});

// --- flush runs (mailsrv flush --site / --wait, ETRN) -------------------

Deno.test("a flush reports its run: per message, then the totals", async () => {
  await using h = await Harness.create();
  const one = await h.enqueue(["a@x.test", "busy@x.test"], "deferred");
  const two = await h.enqueue(["b@y.test"], "deferred");
  for (const id of [one, two]) {
    await h.store.setRetryTime("deferred", id, T0 + 86_400_000);
  }
  h.answer = (m) => m.recipient === "busy@x.test" ? BUSY : SENT;
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  const seen: FlushedMessage[] = [];
  const report = await manager.flush({ progress: (m) => seen.push(m) });
  assert.deepEqual(report, {
    messages: 2,
    sent: 2,
    deferred: 1,
    bounced: 0,
    errors: 0,
    interrupted: false,
  });
  assert.deepEqual(
    seen.map((m) => [m.id, m.sent, m.deferred, m.reason]).sort(),
    [[one, 1, 1, "mailbox busy"], [two, 1, 0, undefined]].sort(),
  );
});

Deno.test("a flush of an empty queue is over at once", async () => {
  await using h = await Harness.create();
  const manager = h.manager();
  await manager.start();
  const report = await manager.flush();
  assert.equal(report.messages, 0);
  assert.equal(report.interrupted, false);
});

Deno.test("a site flush takes only deferred mail with a pending recipient there", async () => {
  await using h = await Harness.create();
  const here = await h.enqueue(
    ["bob@Site.Example", "x@other.test"],
    "deferred",
  );
  const done = await h.enqueue(
    ["carol@site.example", "y@other.test"],
    "deferred",
  );
  await h.mark("deferred", done, 0, "delivered");
  const other = await h.enqueue(["z@other.test"], "deferred");
  for (const id of [here, done, other]) {
    await h.store.setRetryTime("deferred", id, T0 + 86_400_000);
  }
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  const report = await manager.flush({ site: "SITE.example" });
  assert.equal(report.messages, 1);
  assert.deepEqual(h.delivered(), [
    `${here} bob@Site.Example`,
    `${here} x@other.test`,
  ]);
  assert.deepEqual((await h.names("deferred")).sort(), [done, other].sort());
});

Deno.test("flushed attempts say flushRequested; normal queue runs do not", async () => {
  await using h = await Harness.create();
  const due = await h.enqueue(["due@x.test"], "deferred");
  await h.store.setRetryTime("deferred", due, T0);
  const later = await h.enqueue(["later@x.test"], "deferred");
  await h.store.setRetryTime("deferred", later, T0 + 86_400_000);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  await manager.flush();
  assert.deepEqual(h.flushFlags, ["due@x.test false", "later@x.test true"]);
});

Deno.test("without queue runs, deferred mail waits for a flush; a stop interrupts runs", async () => {
  await using h = await Harness.create();
  const due = await h.enqueue(["due@x.test"], "deferred");
  await h.store.setRetryTime("deferred", due, T0);
  const fresh = await h.enqueue(["new@x.test"]);
  const manager = h.manager({ queueRuns: false });
  await manager.start();
  await manager.whenIdle();
  assert.deepEqual(h.delivered(), [`${fresh} new@x.test`]);
  assert.equal(h.timers.length, 0, "no periodic deferred run");

  const held = gate();
  const second = h.manager({ deliver: held.deliver, queueRuns: false });
  await manager.stop(0);
  await second.start();
  const run = second.flush();
  await until("the attempt", () => held.waiting.length === 1);
  await second.stop(0);
  assert.equal((await run).interrupted, true);
  held.waiting[0].release(SENT);
});

Deno.test("a queue run looks on disk only at the deferred mail that is due", async () => {
  await using h = await Harness.create();
  const later: string[] = [];
  for (let i = 0; i < 30; i++) {
    const id = await h.enqueue([`later${i}@x.test`], "deferred");
    await h.store.setRetryTime("deferred", id, T0 + 3_600_000);
    later.push(id);
  }
  const soon = await h.enqueue(["soon@x.test"], "deferred");
  await h.store.setRetryTime("deferred", soon, T0 + 60_000);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  assert.equal(h.calls.length, 0);
  const looked: string[] = [];
  const retryTime = h.store.retryTime.bind(h.store);
  h.store.retryTime = (queue, id) => {
    looked.push(id);
    return retryTime(queue, id);
  };
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(looked, [], "nothing is due: no file is looked at");
  h.clock = T0 + 60_000;
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(looked, [soon]);
  assert.deepEqual(h.delivered(), [`${soon} soon@x.test`]);
  assert.deepEqual((await h.names("deferred")).sort(), later.sort());
});

Deno.test("deferred mail moved or retimed behind the manager's back is taken by what is on disk", async () => {
  await using h = await Harness.create();
  const held = await h.enqueue(["held@x.test"], "deferred");
  const retimed = await h.enqueue(["retimed@x.test"], "deferred");
  for (const id of [held, retimed]) {
    await h.store.setRetryTime("deferred", id, T0 + 60_000);
  }
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  await Deno.rename(h.store.path("deferred", held), h.store.path("hold", held));
  await h.store.setRetryTime("deferred", retimed, T0 + 120_000);
  h.clock = T0 + 60_000;
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(h.calls, [], "neither is attempted at the old time");
  h.clock = T0 + 120_000;
  h.fireTimer();
  await manager.whenIdle();
  assert.deepEqual(h.delivered(), [`${retimed} retimed@x.test`]);
  assert.deepEqual(await h.names("hold"), [held]);
});

Deno.test("whether anything is queued comes from the schedule, without listing deferred/ again", async () => {
  await using h = await Harness.create();
  const id = await h.enqueue(["later@x.test"], "deferred");
  await h.store.setRetryTime("deferred", id, T0 + 3_600_000);
  const manager = h.manager();
  await manager.start();
  await manager.whenIdle();
  const asked: string[] = [];
  const holds = h.store.holdsMessages.bind(h.store);
  h.store.holdsMessages = (queue) => {
    asked.push(queue);
    return holds(queue);
  };
  assert.equal(manager.holdsMessages(), true);
  assert.deepEqual(asked, []);
  const report = await manager.flush();
  assert.equal(report.sent, 1);
  assert.equal(manager.holdsMessages(), false);
  assert.deepEqual(asked.sort(), ["active", "incoming"]);
});
