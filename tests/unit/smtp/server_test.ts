/**
 * The listener over real loopback sockets, with a fake queue and verifier.
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import {
  type SmtpListener,
  startSmtpListener,
} from "../../../src/smtp/server.ts";
import {
  collectMaillog,
  FakeQueue,
  verifierFor,
  withoutReceived,
} from "./fakes.ts";
import { testConfig } from "./test_config.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A minimal SMTP client that reads whole replies. */
class Client {
  #buffer = "";
  readonly #chunk = new Uint8Array(65536);

  private constructor(readonly conn: Deno.TcpConn) {}

  static async connect(port: number): Promise<Client> {
    return new Client(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async send(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) {
      at += await this.conn.write(bytes.subarray(at));
    }
  }

  /** One read's worth of text (what arrived together), or null at EOF. */
  async readOnce(): Promise<string | null> {
    const n = await this.conn.read(this.#chunk);
    return n === null ? null : decoder.decode(this.#chunk.subarray(0, n));
  }

  /** The next complete reply (all its lines). */
  async reply(): Promise<string> {
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(this.#buffer);
      if (end) {
        const cut = end.index + end[0].length;
        const text = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut);
        return text;
      }
      const more = await this.readOnce();
      if (more === null) {
        throw new Error(`connection closed; got "${this.#buffer}"`);
      }
      this.#buffer += more;
    }
  }

  /** Sends `command` and returns its reply. */
  async ask(command: string): Promise<string> {
    await this.send(`${command}\r\n`);
    return await this.reply();
  }

  /** Resolves true when the server closes the connection (reading past replies). */
  async closedByServer(): Promise<boolean> {
    try {
      while ((await this.readOnce()) !== null) { /* drain replies */ }
      return true;
    } catch {
      return true;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

interface Fixture {
  server: SmtpListener;
  queue: FakeQueue;
  port: number;
}

/** Runs `fn` against a listener on an ephemeral loopback port, then drains it. */
async function withServer(
  overrides: Partial<Config>,
  fn: (f: Fixture) => Promise<void>,
): Promise<string[]> {
  const queue = new FakeQueue();
  return await collectMaillog(async () => {
    const server = await startSmtpListener({
      address: "127.0.0.1",
      port: 0,
      kind: "smtp",
    }, {
      config: () => testConfig(overrides),
      enqueue: queue.open,
      verifyRecipient: verifierFor("alice"),
    });
    try {
      await fn({ server, queue, port: server.address.port });
    } finally {
      await server.drain(0);
    }
  });
}

Deno.test("a full transaction over TCP is queued and acknowledged", async () => {
  const logs = await withServer({}, async ({ port, queue }) => {
    const c = await Client.connect(port);
    assert.equal(await c.reply(), "220 mx.example.org ESMTP mailsrv\r\n");
    assert.match(
      await c.ask("EHLO client.example"),
      /^250-mx\.example\.org\r\n250-PIPELINING\r\n.*250-8BITMIME\r\n250 DSN\r\n$/s,
    );
    assert.equal(
      await c.ask("MAIL FROM:<a@client.example>"),
      "250 2.1.0 Ok\r\n",
    );
    assert.equal(
      await c.ask("RCPT TO:<alice@example.org>"),
      "250 2.1.5 Ok\r\n",
    );
    assert.equal(
      await c.ask("DATA"),
      "354 End data with <CR><LF>.<CR><LF>\r\n",
    );
    await c.send(
      "Subject: test\r\nMessage-ID: <t1@client.example>\r\n\r\n..dot\r\nbye\r\n.\r\n",
    );
    assert.equal(await c.reply(), "250 2.0.0 Ok: queued as QID1\r\n");
    assert.equal(await c.ask("QUIT"), "221 2.0.0 Bye\r\n");
    assert.ok(await c.closedByServer());
    c.close();
    assert.equal(queue.messages[0].state, "committed");
    assert.equal(
      withoutReceived(queue.messages[0].content),
      "Subject: test\nMessage-ID: <t1@client.example>\n\n.dot\nbye\n",
    );
    assert.match(
      queue.messages[0].content,
      /^Received: from client\.example \(localhost \[127\.0\.0\.1\]\)\n/,
    );
  });
  for (
    const line of [
      "smtpd: connect from localhost[127.0.0.1]",
      "smtpd: QID1: client=localhost[127.0.0.1]",
      "cleanup: QID1: message-id=<t1@client.example>",
      "smtpd: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
    ]
  ) assert.ok(logs.includes(line), `missing "${line}" in\n${logs.join("\n")}`);
});

Deno.test("pipelined commands are answered together, in one read", async () => {
  await withServer({}, async ({ port }) => {
    const c = await Client.connect(port);
    await c.reply();
    await c.ask("EHLO client.example");
    await c.send(
      "MAIL FROM:<a@client.example>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<friend@remote.example>\r\nDATA\r\n",
    );
    assert.equal(
      await c.readOnce(),
      "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
    );
    await c.send("hi\r\n.\r\nQUIT\r\n");
    assert.equal(
      await c.readOnce(),
      "250 2.0.0 Ok: queued as QID1\r\n221 2.0.0 Bye\r\n",
    );
    c.close();
  });
});

Deno.test("over-size content is read to the end but not kept", async () => {
  const limit = 1024 * 1024;
  await withServer({ message_size_limit: limit }, async ({ port, queue }) => {
    const c = await Client.connect(port);
    await c.reply();
    await c.ask("EHLO client.example");
    await c.ask("MAIL FROM:<a@client.example>");
    await c.ask("RCPT TO:<friend@remote.example>");
    assert.match(await c.ask("DATA"), /^354 /);
    const block = ("z".repeat(98) + "\r\n").repeat(10_000); // ~1 MB
    for (let i = 0; i < 5; i++) await c.send(block);
    await c.send(".\r\n");
    assert.equal(await c.reply(), "552 5.3.4 Error: message file too big\r\n");
    assert.equal(await c.ask("NOOP"), "250 2.0.0 Ok\r\n");
    c.close();
    const [message] = queue.messages;
    assert.equal(message.state, "aborted");
    assert.ok(
      message.size <= limit + 512,
      `the queue got ${message.size} bytes`,
    );
  });
});

Deno.test("a command line over 512 octets is refused and the session goes on", async () => {
  await withServer({}, async ({ port }) => {
    const c = await Client.connect(port);
    await c.reply();
    await c.ask("HELO client.example");
    assert.equal(
      await c.ask(`MAIL FROM:<${"a".repeat(600)}@b.example>`),
      "500 5.5.0 Error: line too long\r\n",
    );
    assert.equal(
      await c.ask(`NOOP ${"n".repeat(505)}`),
      "250 2.0.0 Ok\r\n",
      "510 octets are fine",
    );
    assert.equal(
      await c.ask(`NOOP ${"n".repeat(506)}`),
      "500 5.5.0 Error: line too long\r\n",
    );
    assert.equal(await c.ask("MAIL FROM:<a@b.example>"), "250 2.1.0 Ok\r\n");
    c.close();
  });
});

Deno.test("clients beyond default_process_limit get 421 4.7.0 at accept", async () => {
  await withServer({ default_process_limit: 1 }, async ({ port, server }) => {
    const first = await Client.connect(port);
    assert.match(await first.reply(), /^220 /);
    const second = await Client.connect(port);
    assert.equal(
      await second.reply(),
      "421 4.7.0 mx.example.org Error: too many connections from 127.0.0.1\r\n",
    );
    assert.ok(await second.closedByServer());
    second.close();
    assert.equal(server.activeSessions(), 1);
    first.close();
  });
});

Deno.test("drain: idle sessions get 421 4.3.2, transactions finish, nothing new is accepted", async () => {
  await withServer({}, async ({ port, server, queue }) => {
    const idle = await Client.connect(port);
    await idle.reply();
    const busy = await Client.connect(port);
    await busy.reply();
    await busy.ask("HELO client.example");
    await busy.ask("MAIL FROM:<a@client.example>");
    assert.equal(server.activeSessions(), 2);

    const drained = server.drain(60_000);
    assert.equal(
      await idle.reply(),
      "421 4.3.2 mx.example.org Service shutting down\r\n",
    );
    assert.ok(await idle.closedByServer());
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));

    assert.equal(
      await busy.ask("RCPT TO:<friend@remote.example>"),
      "250 2.1.5 Ok\r\n",
    );
    assert.match(await busy.ask("DATA"), /^354 /);
    await busy.send("last one\r\n.\r\n");
    assert.equal(await busy.reply(), "250 2.0.0 Ok: queued as QID1\r\n");
    assert.equal(
      await busy.reply(),
      "421 4.3.2 mx.example.org Service shutting down\r\n",
    );
    await drained;
    assert.equal(server.activeSessions(), 0);
    assert.equal(queue.messages[0].state, "committed");
    idle.close();
    busy.close();
  });
});

Deno.test("drain: sessions still busy at the deadline are dropped, their queue files discarded", async () => {
  await withServer({}, async ({ port, server, queue }) => {
    const slow = await Client.connect(port);
    await slow.reply();
    await slow.ask("HELO client.example");
    await slow.ask("MAIL FROM:<a@client.example>");
    await slow.ask("RCPT TO:<friend@remote.example>");
    await slow.ask("DATA");
    await slow.send("half of a message\r\n");
    while ((queue.messages[0]?.writes ?? 0) < 2) {
      await new Promise((r) => setTimeout(r, 1));
    }
    await server.drain(0);
    assert.equal(server.activeSessions(), 0);
    assert.equal(queue.messages[0].state, "aborted");
    assert.ok(await slow.closedByServer());
    slow.close();
  });
});
