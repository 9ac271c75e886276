/**
 * Local delivery in its own Worker, with the grants the daemon gives it
 * (role_permissions.ts): it writes mailboxes but cannot connect out,
 * listen or write the queue; the queue manager's Worker cannot run a
 * command, write a mailbox or connect out, and delivers locally through
 * it. A local delivery Worker that dies mid-delivery leaves its
 * recipients deferred, and a later flush delivers them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import type {
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
} from "../../../src/master/local_delivery_protocol.ts";
import { createAgentNoticeThreads } from "../../../src/master/agent_notice_threads.ts";
import { startQueueManagerThread } from "../../../src/master/qmgr_thread.ts";
import {
  localDeliveryThreadPermissions,
  queueManagerThreadPermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "../../../src/master/role_permissions.ts";
import { gatherSandboxFacts } from "../../../src/master/sandbox_facts.ts";
import {
  enqueue,
  namesIn,
  temporaryQueue,
  testConfig,
  testEnvelope,
} from "../queue/config_fixture.ts";
import {
  askFor,
  askOnce,
  eventually as eventuallyEvery,
  writeActiveFile,
} from "./fixtures/agent_channel.ts";
import type { LocalProbe } from "./fixtures/probing_local_delivery_worker.ts";

const PROBING_QMGR = new URL(
  "./fixtures/probing_qmgr_worker.ts",
  import.meta.url,
);
const PROBING_LOCAL = new URL(
  "./fixtures/probing_local_delivery_worker.ts",
  import.meta.url,
);
const CRASHING_LOCAL = new URL(
  "./fixtures/crashing_local_delivery_worker.ts",
  import.meta.url,
);

/** The login of the user running the tests (the mailbox owner). */
function currentUser(): string {
  const uid = String(Deno.uid());
  for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
    const fields = line.split(":");
    if (fields[2] === uid) return fields[0];
  }
  throw new Error(`uid ${uid} is not in /etc/passwd`);
}

/** `probe`'s value once it has one; bounded (a Worker's first load is slow). */
function eventually<T>(probe: () => T | undefined): Promise<T> {
  return eventuallyEvery(probe, { everyMs: 25, tries: 4800 });
}

function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** A configuration whose mail spool lies outside the queue. */
function localConfig(queueDirectory: string, spool: string): Config {
  return testConfig(queueDirectory, {
    // An mbox spool: a file per user.
    mail_spool_directory: spool,
    forward_path: [],
    maillog_file: join(queueDirectory, "maillog"),
    // The probe's connection target: nothing listens there.
    relayhost: "[127.0.0.1]:9",
  });
}

/** The daemon's grants (daemon.ts). */
const GRANTS = {
  permissions: (of: Config) =>
    workerPermissions(queueManagerThreadPermissions(of)),
  smtpClientPermissions: (of: Config) =>
    workerPermissions(smtpClientThreadPermissions(of)),
  localDeliveryPermissions: (of: Config) =>
    workerPermissions(
      localDeliveryThreadPermissions(of, gatherSandboxFacts(of)),
    ),
};

Deno.test("the queue manager's Worker cannot run a command, write a mailbox or connect out; local mail goes through the local delivery Worker", async () => {
  await using queue = await temporaryQueue();
  const spool = await Deno.makeTempDir({ prefix: "mailsrv-spool-" });
  const config = localConfig(queue.directory, spool);
  const thread = await startQueueManagerThread(queue.store, config, false, {
    workerUrl: PROBING_QMGR,
    ...GRANTS,
  });
  try {
    const probe = await Deno.readTextFile(join(queue.directory, "probe.txt"));
    const [connect, run, write] = probe.split("\n");
    assert.match(connect, /^NotCapable: Requires net access to "127\.0\.0\.1/);
    assert.match(run, /^NotCapable: Requires run access to "\/bin\/sh"/);
    assert.match(write, /^NotCapable: Requires write access to ".*probe"/);
    const user = currentUser();
    await enqueue(
      queue.gate,
      testEnvelope([`${user}@localhost`]),
      "Subject: local\n\nthrough the local delivery thread\n",
    );
    const mailbox = join(spool, user);
    await eventually(() =>
      readOrEmpty(mailbox).includes("through the local delivery thread") ||
      undefined
    );
    await eventually(() =>
      readOrEmpty(join(queue.directory, "maillog")).includes("status=sent") ||
      undefined
    );
  } finally {
    await thread.stop(5000);
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("the local delivery Worker delivers a queue file's content, and cannot connect out, listen or write the queue", async () => {
  await using queue = await temporaryQueue();
  const spool = await Deno.makeTempDir({ prefix: "mailsrv-spool-" });
  const config = localConfig(queue.directory, spool);
  const told: unknown[] = [];
  const threads = createAgentNoticeThreads("local-delivery", {
    foreground: false,
    tell: (message) => told.push(message),
    permissions: GRANTS.localDeliveryPermissions,
    workerUrl: PROBING_LOCAL,
  });
  const channel = new MessageChannel();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const content = "Subject: probe\n\ndelivered here\n";
    const source = await writeActiveFile(queue.directory, "PROBE1", content);
    threads.handle(
      { kind: "local-delivery-start", generation: 1, port: channel.port2 },
      config,
    );
    const user = currentUser();
    const request: LocalDeliveryRequest = {
      kind: "deliver",
      request: 1,
      agent: {
        kind: "local",
        message: {
          queueId: "PROBE1",
          sender: "alice@example.test",
          recipient: `${user}@localhost`,
          arrivalTime: Date.now(),
          size: content.length,
          source,
        },
      },
      configId: 1,
      config,
    };
    // The recipient's slot can go once the mailbox is written; the
    // answer comes when the message is durable.
    const [written, answer] = await askFor<LocalDeliveryAnswer>(
      channel.port1,
      request,
      2,
    );
    assert.deepEqual(written, { kind: "written", delivery: 1 });
    assert.equal(answer.kind, "delivered", JSON.stringify(answer));
    assert.equal(answer.kind === "delivered" && answer.result.outcome, "sent");
    assert.match(readOrEmpty(join(spool, user)), /delivered here/);

    const probes: LocalProbe[] = [
      { kind: "connect", port: (listener.addr as Deno.NetAddr).port },
      { kind: "listen" },
      { kind: "write", path: join(queue.directory, "incoming", "PROBE2") },
      { kind: "write", path: join(spool, "probe") },
    ];
    const { results } = await askOnce<{ results: string[] }>(
      channel.port1,
      { kind: "probe", probes },
    );
    assert.match(results[0], /^NotCapable: Requires net access/);
    assert.match(results[1], /^NotCapable: Requires net access/);
    assert.match(
      results[2],
      /^NotCapable: Requires write access to ".*PROBE2"/,
    );
    assert.equal(results[3], "ok");
    assert.deepEqual(told, []);
  } finally {
    threads.end();
    channel.port1.close();
    listener.close();
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("a local delivery Worker that dies mid-delivery leaves the recipients deferred; a later flush delivers them once", async () => {
  await using queue = await temporaryQueue();
  const spool = await Deno.makeTempDir({ prefix: "mailsrv-spool-" });
  const config = localConfig(queue.directory, spool);
  await Deno.writeTextFile(join(spool, "crash-once"), "");
  const thread = await startQueueManagerThread(queue.store, config, false, {
    ...GRANTS,
    localDeliveryWorkerUrl: CRASHING_LOCAL,
  });
  try {
    const user = currentUser();
    const id = await enqueue(
      queue.gate,
      testEnvelope([`${user}@localhost`]),
      "Subject: crash\n\nsurvives the crash\n",
    );
    const deferred = join(queue.directory, "deferred");
    await eventually(() =>
      [...Deno.readDirSync(deferred)].some((e) => e.name === id) || undefined
    );
    const maillog = join(queue.directory, "maillog");
    await eventually(() =>
      /status=deferred .*local delivery thread failed/.test(
        readOrEmpty(maillog),
      ) || undefined
    );
    assert.equal(readOrEmpty(join(spool, user)), "");

    const report = await thread.flush();
    assert.equal(report.sent, 1, JSON.stringify(report));
    const mailbox = readOrEmpty(join(spool, user));
    assert.equal(mailbox.match(/survives the crash/g)?.length, 1);
    assert.deepEqual(await namesIn(deferred), []);
    assert.deepEqual(await namesIn(join(queue.directory, "active")), []);
  } finally {
    await thread.stop(5000);
    await Deno.remove(spool, { recursive: true });
  }
});
