/**
 * smtpd's and pop3d's threads as the master runs them
 * (startListenerRoles, the real worker modules with their computed
 * grants): a crash of smtpd's thread is followed by a restart with mail
 * accepted again, while pop3d's sessions go on untouched.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../src/config/parse_config.ts";
import { QueueStore } from "../../src/queue/mod.ts";
import { startListenerRoles } from "../../src/master/listener_roles.ts";
import type { ListenerRoleNotice } from "../../src/master/listener_thread.ts";
import { freePort, waitFor } from "../helpers/daemon.ts";
import { openSmtpDialog } from "../helpers/smtp_dialog.ts";

/** Reads from `conn` until `done` holds for what came (bounded). */
async function readUntil(
  conn: Deno.Conn,
  done: (text: string) => boolean,
): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  for (let reads = 0; reads < 100 && !done(text); reads++) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

async function sendOne(port: number, rcpt: string): Promise<string> {
  const smtp = await openSmtpDialog(port);
  try {
    await smtp.command("EHLO client.example");
    await smtp.command("MAIL FROM:<sender@example.test>");
    await smtp.command(`RCPT TO:<${rcpt}>`);
    await smtp.command("DATA");
    return await smtp.send("Subject: test\r\n\r\nhello\r\n.\r\n");
  } finally {
    smtp.close();
  }
}

/** A configuration with an smtp and a pop3 listener under `root`. */
function threadsConfig(
  root: string,
  ports: { smtp: number; pop3: number },
  extra: string[] = [],
) {
  return parseConfig({
    file: join(root, "mailsrv.toml"),
    text: [
      `queue_directory = "${join(root, "queue")}"`,
      `maillog_file = "${join(root, "maillog")}"`,
      `mydestination = "localhost"`,
      `local_recipient_maps = ""`,
      `virtual_mailbox_base = "${join(root, "vmail")}"`,
      `pop3_passwd_directory = "${join(root, "vmail")}"`,
      `[[listener]]`,
      `kind = "smtp"`,
      `address = "127.0.0.1"`,
      `port = ${ports.smtp}`,
      `[[listener]]`,
      `kind = "pop3"`,
      `address = "127.0.0.1"`,
      `port = ${ports.pop3}`,
      ...extra,
    ].join("\n"),
    homeDirectory: root,
    system: { hostname: "mx.example.test", interfaces: [] },
  }).config;
}

Deno.test("a crashed smtpd thread is restarted and accepts mail again; pop3d's sessions are untouched", async () => {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-threads-" });
  const queue = join(root, "queue");
  const smtpPort = freePort();
  const pop3Port = freePort();
  const config = threadsConfig(root, { smtp: smtpPort, pop3: pop3Port });
  // What the master does before the threads start: the queue exists.
  await QueueStore.open(queue);
  await Deno.mkdir(join(root, "vmail"));
  const committed: string[] = [];
  const workers: { worker: Worker; role: string }[] = [];
  const roles = await startListenerRoles(config, {
    foreground: false,
    drainMs: 1000,
    restartDelayMs: 50,
    received: (notice: ListenerRoleNotice) => {
      if (notice.kind === "committed") committed.push(notice.id);
    },
    started: (worker, role) => workers.push({ worker, role }),
  });
  const pop3 = await Deno.connect({ hostname: "127.0.0.1", port: pop3Port });
  try {
    // One thread for pop3d, then one for smtpd.
    assert.deepEqual(workers.map((w) => w.role), ["pop3d", "smtpd"]);
    assert.match(await readUntil(pop3, (t) => t.includes("\r\n")), /^\+OK/);
    assert.match(await sendOne(smtpPort, "ann@localhost"), /^250 /);
    await waitFor("the first commit", () => committed.length === 1);
    const [first] = committed;
    assert.ok((await Deno.stat(join(queue, "incoming", first))).isFile);

    // A message smtpd's thread does not know is a bug: the thread dies.
    workers[1].worker.postMessage({ kind: "no-such-message" });
    await waitFor("a new smtpd thread", () => workers.length === 3);
    assert.equal(workers[2].role, "smtpd");
    const reply = await waitFor("mail accepted again", async () => {
      try {
        return await sendOne(smtpPort, "bob@localhost");
      } catch {
        return undefined; // Not listening yet.
      }
    });
    assert.match(reply, /^250 /);
    await waitFor("the second commit", () => committed.length === 2);

    // pop3d's session from before the crash still answers.
    await pop3.write(new TextEncoder().encode("CAPA\r\n"));
    assert.match(
      await readUntil(pop3, (t) => t.includes("\r\n.\r\n")),
      /^\+OK[^]*\r\nUIDL\r\n/,
    );
    // pop3d's session alone, once smtpd's thread has ended bob's session
    // (its count goes down after the client has read the 221).
    await waitFor(
      "smtpd's sessions to end",
      async () => await roles.activeSessions() <= 1,
    );
    assert.equal(await roles.activeSessions(), 1);
    const log = await Deno.readTextFile(join(root, "maillog"));
    assert.match(log, /mailsrv\/smtpd\[\d+\]: [0-9A-Za-z]+: client=localhost/);
  } finally {
    pop3.close();
    await roles.stop(0);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a reload whose new listener cannot bind fails with its ListenError; the running listeners go on", async () => {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-threads-" });
  const ports = { smtp: freePort(), pop3: freePort() };
  const config = threadsConfig(root, ports);
  await QueueStore.open(join(root, "queue"));
  await Deno.mkdir(join(root, "vmail"));
  const roles: string[] = [];
  const threads = await startListenerRoles(config, {
    foreground: false,
    drainMs: 1000,
    started: (_worker, role) => roles.push(role),
  });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const takenPort = (taken.addr as Deno.NetAddr).port;
    // A submission listener is a new grant: smtpd needs a new thread,
    // which cannot bind, so one with the running configuration comes back.
    const next = threadsConfig(root, ports, [
      `[[listener]]`,
      `kind = "submission"`,
      `address = "127.0.0.1"`,
      `port = ${takenPort}`,
    ]);
    const refused = await threads.reload(next).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.equal(refused?.name, "ListenError");
    assert.match(
      refused!.message,
      new RegExp(
        `^cannot listen on 127\\.0\\.0\\.1:${takenPort} \\(submission\\): `,
      ),
    );
    assert.deepEqual(roles, ["pop3d", "smtpd", "smtpd", "smtpd"]);
    assert.match(await sendOne(ports.smtp, "ann@localhost"), /^250 /);
    // A reload that keeps the grants is applied inside the threads.
    await threads.reload(threadsConfig(root, ports));
    assert.equal(roles.length, 4);
    assert.match(await sendOne(ports.smtp, "bob@localhost"), /^250 /);
  } finally {
    taken.close();
    await threads.stop(0);
    await Deno.remove(root, { recursive: true });
  }
});
