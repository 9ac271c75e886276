/**
 * DSN in the queue manager: which notices a delivery attempt sends, to
 * whom, and what it records (success, delay, NOTIFY=NEVER, the null
 * sender's lifetime), with a fake agent and a fake clock.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import type {
  DeliveryMessage,
  DeliveryResult,
} from "../../../src/delivery/types.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import { createQueueManager } from "../../../src/queue/manager.ts";
import type { NewEnvelope } from "../../../src/queue/types.ts";
import {
  enqueue,
  temporaryQueue,
  testConfig,
  testEnvelope,
} from "./config_fixture.ts";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const SENT: DeliveryResult = {
  outcome: "sent",
  dsn: "2.0.0",
  reason: "delivered to maildir",
  relay: "local",
  dsnAction: "delivered",
};
const BUSY: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.2.1",
  reason: "mailbox busy",
  relay: "local",
};
const UNKNOWN: DeliveryResult = {
  outcome: "bounced",
  dsn: "5.1.1",
  reason: "unknown user",
  relay: "local",
};

/** A notice the fake agent received (mail from the null sender). */
interface Notice {
  readonly to: string;
  readonly text: string;
}

/** A queue, a manager over it, a clock, and the agent's answers. */
async function harness(overrides: Partial<Config> = {}) {
  const queue = await temporaryQueue({ now: () => state.clock });
  const state = {
    clock: T0,
    lines: [] as string[],
    notices: [] as Notice[],
    messages: [] as DeliveryMessage[],
    /** The answer for mail that is not a notice. */
    answer: (_m: DeliveryMessage): DeliveryResult => SENT,
  };
  await setupLogging({
    hostname: "mx",
    stderr: false,
    sink: (line) => state.lines.push(line),
  });
  const config = testConfig(queue.directory, overrides);
  /** One queue run, by a fresh manager (as after a restart). */
  const run = async () => {
    const manager = createQueueManager({
      store: queue.store,
      enqueue: queue.gate,
      config: () => config,
      now: () => state.clock,
      deliver: async (message) => {
        // Notices go to the senders of the test messages, or postmaster.
        const notice = /^(alice|postmaster)@example\.test$/.test(
          message.recipient,
        );
        if (!notice) {
          state.messages.push(message);
          return state.answer(message);
        }
        const text = await new Response(await message.content()).text();
        state.notices.push({ to: message.recipient, text });
        return SENT;
      },
      schedule: () => () => {},
    });
    await manager.start();
    await manager.whenIdle();
    await manager.stop(0);
  };
  return {
    ...queue,
    state,
    run,
    /** Queues a message `ageMs` ago and leaves it deferred, due now. */
    async deferred(envelope: NewEnvelope, ageMs: number): Promise<string> {
      const now = state.clock;
      state.clock = now - ageMs;
      const id = await enqueue(queue.gate, envelope);
      state.clock = now;
      await Deno.rename(
        queue.store.path("incoming", id),
        queue.store.path("deferred", id),
      );
      await queue.store.setRetryTime("deferred", id, now);
      return id;
    },
    async [Symbol.asyncDispose]() {
      await closeLogging();
      await queue[Symbol.asyncDispose]();
    },
  };
}

/** The delivery-status fields of a notice, one record per block. */
function statusBlocks(text: string): Array<Record<string, string>> {
  const part = text.split("Content-Type: message/delivery-status\n\n")[1]
    .split("\n--")[0];
  return part.trim().split("\n\n").map((block) =>
    Object.fromEntries(
      block.replace(/\n /g, " ").split("\n").map((line) => {
        const colon = line.indexOf(": ");
        return [line.slice(0, colon), line.slice(colon + 2)];
      }),
    )
  );
}

Deno.test("NOTIFY=SUCCESS: a delivered recipient gets a success notice, with ORCPT and ENVID", async () => {
  await using h = await harness();
  await enqueue(
    h.gate,
    testEnvelope(["bob@x.test", "carol@x.test"], {
      ret: "HDRS",
      envid: "QQ314159",
      recipientDsn: new Map([
        ["bob@x.test", {
          notify: ["SUCCESS", "FAILURE"],
          orcpt: { type: "rfc822", address: "Bob@X.test" },
        }],
      ]),
    }),
    "Subject: hi\n\nSecret body.\n",
  );
  await h.run();
  assert.equal(h.state.notices.length, 1, "only bob asked");
  const [notice] = h.state.notices;
  assert.equal(notice.to, "alice@example.test");
  assert.match(notice.text, /\nSubject: Successful Mail Delivery Report\n/);
  assert.doesNotMatch(notice.text, /Secret body/, "RET=HDRS: headers only");
  assert.match(notice.text, /Content-Type: text\/rfc822-headers/);
  const [message, bob, ...rest] = statusBlocks(notice.text);
  assert.equal(message["Original-Envelope-Id"], "QQ314159");
  assert.equal(message["Reporting-MTA"], "dns; mx.example.test");
  assert.ok(message["Arrival-Date"]);
  assert.deepEqual(bob, {
    "Original-Recipient": "rfc822; Bob@X.test",
    "Final-Recipient": "rfc822; bob@x.test",
    "Action": "delivered",
    "Status": "2.0.0",
    "Diagnostic-Code": "X-Postfix; delivered to maildir",
  });
  assert.deepEqual(rest, []);
  assert.ok(
    h.state.lines.some((l) => / sender delivery status notification: /.test(l)),
  );
});

Deno.test("the agent decides the success action; none when the next hop took NOTIFY", async () => {
  await using h = await harness();
  const dsn = { notify: ["SUCCESS"] as const };
  await enqueue(
    h.gate,
    testEnvelope(["list@x.test", "remote@far.test", "dsn@far.test"], {
      recipientDsn: new Map([
        ["list@x.test", dsn],
        ["remote@far.test", dsn],
        ["dsn@far.test", dsn],
      ]),
    }),
  );
  h.state.answer = (m) => {
    if (m.recipient === "list@x.test") {
      return { ...SENT, dsnAction: "expanded" };
    }
    if (m.recipient === "remote@far.test") {
      return {
        ...SENT,
        relay: "mx.far.test[192.0.2.9]:25",
        dsnAction: "relayed",
      };
    }
    return {
      ...SENT,
      relay: "mx.far.test[192.0.2.9]:25",
      dsnAction: undefined,
    };
  };
  await h.run();
  assert.equal(h.state.notices.length, 1);
  const blocks = statusBlocks(h.state.notices[0].text).slice(1);
  assert.deepEqual(
    blocks.map((b) => [b["Final-Recipient"], b.Action, b["Remote-MTA"]]),
    [
      ["rfc822; list@x.test", "expanded", undefined],
      ["rfc822; remote@far.test", "relayed", "dns; mx.far.test"],
    ],
  );
});

Deno.test("agents are given the DSN parameters to pass on", async () => {
  await using h = await harness();
  await enqueue(
    h.gate,
    testEnvelope(["bob@x.test", "carol@x.test"], {
      ret: "FULL",
      envid: "E1",
      recipientDsn: new Map([["bob@x.test", { notify: ["NEVER"] }]]),
    }),
  );
  await h.run();
  const dsn = Object.fromEntries(
    h.state.messages.map((m) => [m.recipient, m.dsn]),
  );
  assert.deepEqual(dsn, {
    "bob@x.test": { ret: "FULL", envid: "E1", notify: ["NEVER"] },
    "carol@x.test": { ret: "FULL", envid: "E1" },
  });
});

Deno.test("NOTIFY=NEVER: a failed recipient is given up on without a bounce", async () => {
  await using h = await harness();
  const id = await enqueue(
    h.gate,
    testEnvelope(["never@x.test", "plain@x.test"], {
      recipientDsn: new Map([["never@x.test", { notify: ["NEVER"] }]]),
    }),
  );
  h.state.answer = () => UNKNOWN;
  await h.run();
  assert.equal(h.state.notices.length, 1);
  const failed = statusBlocks(h.state.notices[0].text).slice(1);
  assert.deepEqual(failed.map((b) => b["Final-Recipient"]), [
    "rfc822; plain@x.test",
  ]);
  assert.ok(h.state.lines.some((l) => l.includes(`${id}: removed`)));
});

Deno.test("a delay notice goes out once, after delay_warning_time, to those who allow it", async () => {
  await using h = await harness({
    delay_warning_time: 4 * 3600,
    maximal_queue_lifetime: 5 * 86400,
  });
  h.state.answer = () => BUSY;
  const id = await h.deferred(
    testEnvelope(["busy@x.test", "quiet@x.test", "asked@x.test"], {
      recipientDsn: new Map([
        ["quiet@x.test", { notify: ["FAILURE"] }],
        ["asked@x.test", { notify: ["DELAY", "FAILURE"] }],
      ]),
    }),
    3 * HOUR,
  );
  await h.run();
  assert.equal(h.state.notices.length, 0, "3 hours: not yet");

  h.state.clock += 2 * HOUR;
  await h.store.setRetryTime("deferred", id, h.state.clock);
  await h.run();
  assert.equal(h.state.notices.length, 1);
  const { text } = h.state.notices[0];
  assert.match(text, /\nSubject: Delayed Mail \(still being retried\)\n/);
  assert.match(text, /queue for 5 hour\(s\)/);
  assert.match(text, /until the message is 5 day\(s\) old/);
  const blocks = statusBlocks(text).slice(1);
  assert.deepEqual(
    blocks.map((b) => [b["Final-Recipient"], b.Action, b.Status]),
    [
      ["rfc822; busy@x.test", "delayed", "4.2.1"],
      ["rfc822; asked@x.test", "delayed", "4.2.1"],
    ],
  );
  assert.ok(blocks[0]["Will-Retry-Until"]);
  const envelope = await h.store.readEnvelope("deferred", id);
  assert.deepEqual(
    envelope.recipients.map((r) => [r.address, r.delayWarned ?? false]),
    [["busy@x.test", true], ["quiet@x.test", false], ["asked@x.test", true]],
  );
  const head = await Deno.readTextFile(h.store.path("deferred", id));
  assert.match(head, /^MAILSRV-QUEUE 2\n/, "W makes the file version 2");

  h.state.clock += 2 * HOUR;
  await h.store.setRetryTime("deferred", id, h.state.clock);
  await h.run();
  assert.equal(h.state.notices.length, 1, "once only");
  assert.ok(
    h.state.lines.some((l) => / sender delay notification: /.test(l)),
  );
});

Deno.test("delay_warning_time 0 (the default) sends no delay notice", async () => {
  await using h = await harness({ delay_warning_time: 0 });
  h.state.answer = () => BUSY;
  await h.deferred(testEnvelope(["busy@x.test"]), 3 * 86400 * 1000);
  await h.run();
  assert.equal(h.state.notices.length, 0);
});

Deno.test("mail from the null sender expires after bounce_queue_lifetime", async () => {
  await using h = await harness({
    bounce_queue_lifetime: 86400,
    maximal_queue_lifetime: 5 * 86400,
  });
  h.state.answer = () => BUSY;
  const notice = await h.deferred(
    testEnvelope(["busy@x.test"], { sender: "" }),
    25 * HOUR,
  );
  const plain = await h.deferred(testEnvelope(["busy@x.test"]), 25 * HOUR);
  await h.run();
  assert.ok(
    h.state.lines.some((l) =>
      l.includes(`${notice}: from=<>, status=expired, returned to sender`)
    ),
  );
  assert.ok(
    !h.state.lines.some((l) =>
      l.includes(`${plain}: `) && l.includes("status=expired")
    ),
    "mail from a sender waits for maximal_queue_lifetime",
  );
  assert.deepEqual(h.state.notices.map((n) => n.to), [
    "postmaster@example.test",
  ]);
});
