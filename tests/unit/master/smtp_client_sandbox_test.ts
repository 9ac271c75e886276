/**
 * The SMTP client in its own Worker, with the grants the daemon gives it
 * (role_permissions.ts): it reads the queue file it sends and connects
 * out, but cannot write a file or run a command; the queue manager's
 * Worker cannot connect out, and relays through the client.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import { startQueueManagerThread } from "../../../src/master/qmgr_thread.ts";
import {
  queueManagerThreadPermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "../../../src/master/role_permissions.ts";
import type {
  SmtpClientAnswer,
  SmtpClientRequest,
} from "../../../src/master/smtp_client_protocol.ts";
import { createAgentNoticeThreads } from "../../../src/master/agent_notice_threads.ts";
import { startFakeSmtpServer } from "../../helpers/fake_smtp_server.ts";
import {
  enqueue,
  temporaryQueue,
  testConfig,
  testEnvelope,
} from "../queue/config_fixture.ts";
import {
  askOnce,
  eventually,
  writeActiveFile,
} from "./fixtures/agent_channel.ts";
import type { ClientProbe } from "./fixtures/probing_smtp_client_worker.ts";

const PROBING_CLIENT = new URL(
  "./fixtures/probing_smtp_client_worker.ts",
  import.meta.url,
);
const PROBING_QMGR = new URL(
  "./fixtures/probing_qmgr_worker.ts",
  import.meta.url,
);

/** How long to wait for a Worker: 400 looks, 25 ms apart. */
const WAIT = { everyMs: 25, tries: 400 };

function clientConfig(queueDirectory: string, port: number): Config {
  return testConfig(queueDirectory, {
    relayhost: `[127.0.0.1]:${port}`,
    smtp_tls_security_level: "none",
    maillog_file: join(queueDirectory, "maillog"),
    resolv_conf: join(queueDirectory, "resolv.conf"),
  });
}

Deno.test("the SMTP client's Worker sends a queue file's content, and cannot write a file or run a command", async () => {
  const server = await startFakeSmtpServer({});
  await using queue = await temporaryQueue();
  const config = clientConfig(queue.directory, server.port);
  const told: unknown[] = [];
  const threads = createAgentNoticeThreads("smtp-client", {
    foreground: false,
    tell: (message) => told.push(message),
    permissions: (of) => workerPermissions(smtpClientThreadPermissions(of)),
    workerUrl: PROBING_CLIENT,
  });
  const channel = new MessageChannel();
  try {
    // The content sits after a header, as in a queue file in active/.
    const content = "Subject: out\n\nleaves the box\n";
    const source = await writeActiveFile(queue.directory, "PROBE1", content);
    const path = source.path;
    threads.handle(
      { kind: "smtp-client-start", generation: 1, port: channel.port2 },
      config,
    );
    const request: SmtpClientRequest = {
      kind: "deliver",
      request: 1,
      message: {
        queueId: "PROBE1",
        sender: "alice@example.test",
        recipients: [{ address: "bob@remote.test" }],
        size: content.length,
        source,
      },
      nexthop: config.relayhost,
      configId: 1,
      config,
    };
    const answer = await askOnce<SmtpClientAnswer>(channel.port1, request);
    assert.equal(answer.kind, "delivered", JSON.stringify(answer));
    assert.equal(
      answer.kind === "delivered" && answer.delivery.results[0].outcome,
      "sent",
    );
    assert.equal(server.messages.length, 1);
    assert.match(server.messages[0].data, /leaves the box/);

    const probes: ClientProbe[] = [
      { kind: "read", path },
      { kind: "write", path: join(queue.directory, "active", "PROBE2") },
      { kind: "write", path: join(queue.directory, "written") },
      { kind: "run", program: "/bin/sh" },
      { kind: "read", path: join(queue.directory, "deferred", "x") },
    ];
    const { results } = await askOnce<{ results: string[] }>(
      channel.port1,
      { kind: "probe", probes },
    );
    assert.equal(results[0], "ok");
    assert.match(
      results[1],
      /^NotCapable: Requires write access to ".*PROBE2"/,
    );
    assert.match(
      results[2],
      /^NotCapable: Requires write access to ".*written"/,
    );
    assert.match(results[3], /^NotCapable: Requires run access to "\/bin\/sh"/);
    assert.match(results[4], /^NotCapable: Requires read access to/);
    assert.deepEqual(told, []);
  } finally {
    threads.end();
    channel.port1.close();
    await server.close();
  }
});

Deno.test("the queue manager's Worker cannot connect out; its remote mail goes through the SMTP client's Worker", async () => {
  const server = await startFakeSmtpServer({});
  await using queue = await temporaryQueue();
  const config = clientConfig(queue.directory, server.port);
  const thread = await startQueueManagerThread(queue.store, config, false, {
    workerUrl: PROBING_QMGR,
    // As the daemon grants them (daemon.ts).
    permissions: (of) => workerPermissions(queueManagerThreadPermissions(of)),
    smtpClientPermissions: (of) =>
      workerPermissions(smtpClientThreadPermissions(of)),
  });
  try {
    const probe = await Deno.readTextFile(join(queue.directory, "probe.txt"));
    assert.match(
      probe,
      new RegExp(
        `^NotCapable: Requires net access to "127\\.0\\.0\\.1:${server.port}"`,
      ),
    );
    await enqueue(
      queue.gate,
      testEnvelope(["bob@remote.test"]),
      "Subject: relayed\n\nthrough the client\n",
    );
    await eventually(() => server.messages.length > 0 || undefined, WAIT);
    assert.deepEqual(server.messages[0].recipients, ["bob@remote.test"]);
    assert.match(server.messages[0].data, /through the client/);
  } finally {
    await thread.stop(5000);
    await server.close();
  }
});

Deno.test("a client that dies is reported to the queue manager's thread, by generation", async () => {
  const told: unknown[] = [];
  const threads = createAgentNoticeThreads("smtp-client", {
    foreground: false,
    tell: (message) => told.push(message),
    workerUrl: new URL(
      "./fixtures/failing_smtp_client_worker.ts",
      import.meta.url,
    ),
  });
  const channel = new MessageChannel();
  try {
    threads.handle(
      { kind: "smtp-client-start", generation: 3, port: channel.port2 },
      testConfig("/nonexistent"),
    );
    await eventually(() => told.length > 0 || undefined, WAIT);
    assert.deepEqual(told, [{
      kind: "smtp-client-failed",
      generation: 3,
      error: "Uncaught Error: the client fell over",
    }]);
  } finally {
    threads.end();
    channel.port1.close();
  }
});
