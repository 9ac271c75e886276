import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import {
  serveSmtpConnection,
  type SessionControl,
  type SmtpDeps,
} from "../../../src/smtp/connection.ts";
import {
  collectMaillog,
  FakeQueue,
  ScriptedStream,
  verifierFor,
  withoutReceived,
} from "./fakes.ts";
import { testConfig } from "./test_config.ts";

const NOW = Date.UTC(2024, 10, 25, 2, 54, 32);
const ENVELOPE =
  "EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<friend@remote.example>\r\nDATA\r\n";

function deps(
  queue: FakeQueue,
  overrides: Partial<Config> = {},
  more: Partial<SmtpDeps> = {},
): SmtpDeps {
  return {
    config: () => testConfig(overrides),
    enqueue: queue.open,
    verifyRecipient: verifierFor("alice"),
    now: () => NOW,
    ...more,
  };
}

/** The reply lines the client saw, without the greeting and EHLO lines. */
function replyCodes(stream: ScriptedStream): string[] {
  return stream.output().split("\r\n").filter((l) => /^\d{3} /.test(l)).map((
    l,
  ) => l.slice(0, 9));
}

Deno.test("the Received: header goes first, then the content; commit comes before the 250", async () => {
  const stream = new ScriptedStream([
    ENVELOPE,
    "Subject: x\r\n\r\nhi\r\n.\r\n",
    "QUIT\r\n",
  ]);
  const queue = new FakeQueue(stream.log);
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  const [message] = queue.messages;
  assert.equal(message.state, "committed");
  assert.match(
    message.content,
    /^Received: from client\.example \(localhost \[127\.0\.0\.1\]\)\n\tby mx\.example\.org \(mailsrv\) with ESMTP id QID1\n\tfor <friend@remote\.example>; Mon, 25 Nov 2024 \d\d:\d\d:32 [+-]\d{4}\n/,
  );
  assert.equal(withoutReceived(message.content), "Subject: x\n\nhi\n");
  // The 250 is written after the commit resolved, never before.
  const commitAt = stream.log.indexOf("commit QID1");
  const ackAt = stream.log.findIndex((e) =>
    e.includes("250 2.0.0 Ok: queued as QID1\r\n")
  );
  assert.ok(commitAt >= 0 && ackAt > commitAt, stream.log.join("\n"));
  assert.ok(stream.closed);
});

Deno.test("content is streamed to the queue per read, not gathered", async () => {
  const queue = new FakeQueue();
  const line = "x".repeat(998) + "\r\n";
  const chunks = Array.from({ length: 50 }, () => line.repeat(20));
  const stream = new ScriptedStream([ENVELOPE, ...chunks, ".\r\nQUIT\r\n"]);
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  const [message] = queue.messages;
  assert.equal(message.state, "committed");
  assert.equal(
    message.writes,
    1 + 50,
    "one write for the header, one per read",
  );
  assert.equal(withoutReceived(message.content).length, 50 * 20 * 999);
});

Deno.test("over message_size_limit: the excess is read, never written; 552; nothing kept", async () => {
  const queue = new FakeQueue();
  const big = ("y".repeat(78) + "\r\n").repeat(1000);
  const stream = new ScriptedStream([
    ENVELOPE,
    big,
    big,
    big,
    ".\r\nNOOP\r\nQUIT\r\n",
  ]);
  await collectMaillog(() =>
    serveSmtpConnection(
      stream,
      deps(queue, { message_size_limit: 100_000 }),
      "127.0.0.1",
    )
  );
  const [message] = queue.messages;
  assert.equal(message.state, "aborted");
  assert.ok(message.size < 100_000 + 500, `wrote ${message.size} bytes`);
  assert.deepEqual(replyCodes(stream).slice(-3), [
    "552 5.3.4",
    "250 2.0.0",
    "221 2.0.0",
  ]);
});

Deno.test("a full disk while writing content: 452 4.3.1 and the queue file is discarded", async () => {
  const queue = new FakeQueue();
  const enospc = Object.assign(
    new Error("No space left on device (os error 28)"),
    { code: "ENOSPC" },
  );
  queue.faults = { writeAt: { index: 1, error: enospc } };
  const stream = new ScriptedStream([
    ENVELOPE,
    "a\r\n",
    "b\r\n.\r\n",
    "QUIT\r\n",
  ]);
  const logs = await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  assert.equal(queue.messages[0].state, "aborted");
  assert.deepEqual(replyCodes(stream).slice(-2), ["452 4.3.1", "221 2.0.0"]);
  assert.ok(
    logs.some((l) =>
      /^smtpd: warning: QID1: queue file write error: No space left/.test(l)
    ),
    logs.join("\n"),
  );
});

Deno.test("a queue that cannot open a file: 451 4.3.0, the session goes on", async () => {
  const queue = new FakeQueue();
  queue.faults = { open: new Error("permission denied") };
  const stream = new ScriptedStream([ENVELOPE, "RSET\r\nQUIT\r\n"]);
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  assert.deepEqual(replyCodes(stream).slice(-3), [
    "451 4.3.0",
    "250 2.0.0",
    "221 2.0.0",
  ]);
  assert.equal(queue.messages.length, 0);
});

Deno.test("a failing Received: write discards the fresh queue file", async () => {
  const queue = new FakeQueue();
  queue.faults = { writeAt: { index: 0, error: new Error("EIO") } };
  const stream = new ScriptedStream([ENVELOPE, "QUIT\r\n"]);
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  assert.equal(queue.messages[0].state, "aborted");
  assert.deepEqual(replyCodes(stream).slice(-2), ["451 4.3.0", "221 2.0.0"]);
});

Deno.test("a failed commit is never acknowledged: 451 and abort", async () => {
  const queue = new FakeQueue();
  queue.faults = { commit: new Error("fsync failed") };
  const stream = new ScriptedStream([ENVELOPE, "hi\r\n.\r\nQUIT\r\n"]);
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  assert.equal(queue.messages[0].state, "aborted");
  assert.ok(!stream.output().includes("queued as"));
  assert.deepEqual(replyCodes(stream).slice(-2), ["451 4.3.0", "221 2.0.0"]);
});

Deno.test("a verifier that throws yields a temporary 451, not a crash", async () => {
  const queue = new FakeQueue();
  const stream = new ScriptedStream([
    "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice@example.org>\r\nQUIT\r\n",
  ]);
  const failing = () => Promise.reject(new Error("map unreadable"));
  await collectMaillog(() =>
    serveSmtpConnection(
      stream,
      deps(queue, {}, { verifyRecipient: failing }),
      "127.0.0.1",
    )
  );
  assert.match(
    stream.output(),
    /451 4\.3\.0 <alice@example\.org>: Temporary lookup failure\r\n221 /,
  );
});

Deno.test("the client going away during DATA discards the queue file", async () => {
  const queue = new FakeQueue();
  const stream = new ScriptedStream([ENVELOPE, "half a mess"]);
  const logs = await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1")
  );
  assert.equal(queue.messages[0].state, "aborted");
  assert.ok(
    logs.includes(
      "smtpd: lost connection after DATA from localhost[127.0.0.1]",
    ),
    logs.join("\n"),
  );
  assert.ok(stream.closed);
});

Deno.test("smtpd_timeout: a silent client gets 421 4.4.2 and is closed", async () => {
  const queue = new FakeQueue();
  const stream = new ScriptedStream(["HELO x\r\n"], true);
  const logs = await collectMaillog(() =>
    serveSmtpConnection(
      stream,
      deps(queue, { smtpd_timeout: 0.01 }),
      "127.0.0.1",
    )
  );
  assert.match(
    stream.output(),
    /421 4\.4\.2 mx\.example\.org Error: timeout exceeded\r\n$/,
  );
  assert.ok(
    logs.includes("smtpd: timeout after HELO from localhost[127.0.0.1]"),
  );
  assert.ok(stream.closed);
});

Deno.test("a client beyond default_process_limit is turned away", async () => {
  const stream = new ScriptedStream(["EHLO x\r\n"]);
  const control: SessionControl = {
    activeSessions: 2,
    draining: () => false,
    onDrain: () => () => {},
  };
  await collectMaillog(() =>
    serveSmtpConnection(
      stream,
      deps(new FakeQueue(), { default_process_limit: 2 }),
      "192.0.2.1",
      control,
    )
  );
  assert.equal(
    stream.output(),
    "421 4.7.0 mx.example.org Error: too many connections\r\n",
  );
  assert.deepEqual(
    stream.log.filter((e) => e === "read"),
    [],
    "nothing is read from it",
  );
});

Deno.test("draining: an idle session blocked in a read is woken and told 421 4.3.2", async () => {
  let wake: () => void = () => {};
  let draining = false;
  const control: SessionControl = {
    activeSessions: 0,
    draining: () => draining,
    onDrain: (w) => {
      wake = w;
      return () => wake = () => {};
    },
  };
  const stream = new ScriptedStream(["HELO x\r\n"], true);
  await collectMaillog(async () => {
    const done = serveSmtpConnection(
      stream,
      deps(new FakeQueue()),
      "127.0.0.1",
      control,
    );
    // Let the session answer HELO and block in its next read.
    while (stream.log.filter((e) => e === "read").length < 2) {
      await new Promise((r) => setTimeout(r, 0));
    }
    draining = true;
    wake();
    await done;
  });
  assert.match(
    stream.output(),
    /250 mx\.example\.org\r\n421 4\.3\.2 mx\.example\.org Service shutting down\r\n$/,
  );
  assert.ok(stream.closed);
});

Deno.test("draining: a session inside a transaction finishes it, then gets 421", async () => {
  const queue = new FakeQueue();
  const stream = new ScriptedStream([ENVELOPE, "hi\r\n.\r\n", "NOOP\r\n"]);
  // The service starts draining once the client is inside its transaction.
  const control: SessionControl = {
    activeSessions: 0,
    draining: () => stream.log.includes("read"),
    onDrain: () => () => {},
  };
  await collectMaillog(() =>
    serveSmtpConnection(stream, deps(queue), "127.0.0.1", control)
  );
  assert.equal(queue.messages[0].state, "committed");
  assert.deepEqual(replyCodes(stream).slice(-2), ["250 2.0.0", "421 4.3.2"]);
});

Deno.test("restriction lists over the adapter: an access map refuses one recipient, PREPEND adds a header", async () => {
  const stream = new ScriptedStream([
    "EHLO client.example\r\nMAIL FROM:<a@client.example>\r\n" +
    "RCPT TO:<spam@remote.example>\r\nRCPT TO:<friend@remote.example>\r\nDATA\r\n",
    "Subject: x\r\n\r\nhi\r\n.\r\n",
    "QUIT\r\n",
  ]);
  const queue = new FakeQueue(stream.log);
  const dir = await Deno.makeTempDir();
  const table = `${dir}/access`;
  await Deno.writeTextFile(
    table,
    "spam@remote.example REJECT\nfriend@remote.example PREPEND X-Checked: yes\n",
  );
  const log = await collectMaillog(() =>
    serveSmtpConnection(
      stream,
      deps(queue, {
        smtpd_recipient_restrictions: [
          "check_recipient_access",
          `hash:${table}`,
        ],
      }),
      "127.0.0.1",
    )
  ).finally(() => Deno.remove(dir, { recursive: true }));
  assert.match(
    stream.output(),
    /554 5\.7\.1 <spam@remote\.example>: Recipient address rejected: Access denied\r\n/,
  );
  const [message] = queue.messages;
  assert.deepEqual(message.envelope.recipients, ["friend@remote.example"]);
  assert.match(message.content, /^X-Checked: yes\nReceived: from client/);
  assert.ok(
    log.some((line) =>
      line.includes("prepend: RCPT from localhost[127.0.0.1]")
    ),
    log.join("\n"),
  );
});
