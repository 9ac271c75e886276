/**
 * The daemon's life cycle seen from outside: SIGHUP reloads like
 * `mailsrv reload`, and a graceful stop lets a transaction in flight
 * finish (its 250 is honoured) while new connections are refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  canConnect,
  freePort,
  listFiles,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

/** A minimal line-based SMTP client over a raw socket. */
class RawClient {
  #buffer = "";
  readonly #decoder = new TextDecoder();
  private constructor(readonly conn: Deno.Conn) {}

  static async open(port: number): Promise<RawClient> {
    const client = new RawClient(
      await Deno.connect({ hostname: "127.0.0.1", port }),
    );
    await client.reply();
    return client;
  }

  async send(text: string): Promise<void> {
    await this.conn.write(new TextEncoder().encode(text));
  }

  /** Reads one (possibly multi-line) reply; "" when the server closed. */
  async reply(): Promise<string> {
    const chunk = new Uint8Array(4096);
    for (;;) {
      const m = this.#buffer.match(/^(?:\d{3}-[^\n]*\n)*\d{3} [^\n]*\n/);
      if (m) {
        this.#buffer = this.#buffer.slice(m[0].length);
        return m[0];
      }
      const n = await this.conn.read(chunk);
      if (n === null) return "";
      this.#buffer += this.#decoder.decode(chunk.subarray(0, n));
    }
  }
}

Deno.test("SIGHUP makes the daemon re-read its configuration", async () => {
  const daemon = await startDaemon();
  const port2 = freePort();
  try {
    const text = await Deno.readTextFile(daemon.configPath);
    await Deno.writeTextFile(
      daemon.configPath,
      text +
        `\n[[listener]]\naddress = "127.0.0.1"\nport = ${port2}\nkind = "smtp"\n`,
    );
    assert.equal(await canConnect(port2), false);
    Deno.kill(daemon.process.pid, "SIGHUP");
    await waitFor(
      "the new listener",
      async () => (await canConnect(port2)) || undefined,
    );
    assert.ok(await canConnect(daemon.port), "the old listener was dropped");
    // The new listener answers once its thread is up; the master logs the
    // reload when every role has taken the new configuration, a moment on.
    await waitFor(
      "the reload line",
      () => /mailsrv\/master\[\d+\]: reload -- version/.test(daemon.log()),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("a graceful stop lets the transaction in flight finish and refuses new sessions", async () => {
  const daemon = await startDaemon();
  try {
    const client = await RawClient.open(daemon.port);
    await client.send("EHLO client.example.test\r\n");
    assert.match(await client.reply(), /^250 /m);
    await client.send(
      "MAIL FROM:<a@example.test>\r\nRCPT TO:<late@localhost>\r\nDATA\r\n",
    );
    assert.match(await client.reply(), /^250 2\.1\.0/);
    assert.match(await client.reply(), /^250 2\.1\.5/);
    assert.match(await client.reply(), /^354 /);
    await client.send("Subject: in flight\r\n\r\nfirst half\r\n");

    const stopping = runMailsrv(["stop", "--config", daemon.configPath]);
    await waitFor(
      "the listener to close",
      async () => !(await canConnect(daemon.port)) || undefined,
    );

    await client.send("second half\r\n.\r\n");
    const queued = await client.reply();
    assert.match(queued, /^250 2\.0\.0 Ok: queued as (\w+)/);
    // After the transaction the session is told the service is going away.
    await client.send("NOOP\r\n");
    const after = await client.reply();
    assert.ok(after === "" || /^421 4\.3\.2 /.test(after), `got "${after}"`);
    client.conn.close();

    const stop = await stopping;
    assert.equal(stop.code, 0, stop.stderr);
    await daemon.stop();

    // Accepted mail is delivered, before the stop or after the next start.
    const again = await startDaemon({ home: daemon.home, port: daemon.port });
    try {
      await waitFor(
        "delivery",
        async () =>
          (await listFiles(join(daemon.home, "mail", "late", "new"))).length ===
            1 || undefined,
      );
    } finally {
      await again.stop();
    }
  } finally {
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("the delivery thread sleeps while the queue is empty and wakes with the next message", async () => {
  const daemon = await startDaemon({ params: { max_idle: "1s" } });
  const status = async () => {
    const result = await runMailsrv([
      "status",
      "--json",
      "--config",
      daemon.configPath,
    ]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { deliveryThread: boolean };
  };
  try {
    // Nothing queued at start: no delivery thread yet.
    assert.equal((await status()).deliveryThread, false);
    for (const round of [1, 2]) {
      const [sent] = await sendWithSmtplib(daemon.port, "a@example.test", [
        "sleeper@localhost",
      ]);
      assert.equal(sent.code, 250, sent.reply);
      await waitFor(
        `delivery ${round}`,
        async () =>
          (await listFiles(join(daemon.home, "mail", "sleeper", "new")))
              .length === round || undefined,
      );
      // max_idle later, with the queue empty, the thread is gone again.
      await waitFor(
        `the delivery thread to retire (${round})`,
        async () => !(await status()).deliveryThread || undefined,
      );
    }
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});
