/**
 * Issue 15, item 3: floods do not lock out everyone. From 127.0.0.2, 1,000
 * idle connections and then 200 slowloris connections (a byte a second);
 * a normal client from 127.0.0.3 is then served — banner and a whole SMTP
 * transaction, or a POP3 login, listing and QUIT — within 2 s (its own
 * timeout, as a real client's). Over-cap connections are refused at once
 * (421 4.7.0 / -ERR [SYS/TEMP]) and closed, never left hanging.
 *
 * Clients bind their local address (loopback aliases need no setup on
 * Linux); the daemon trusts only 127.0.0.1, so the per-client limits apply
 * to the others.
 */
import assert from "node:assert/strict";
import net from "node:net";
import {
  freePort,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";

const IDLE = 1000;
const SLOWLORIS = 200;
const BATCH = 100;
/** The normal client's own timeout for its whole session. */
const CLIENT_TIMEOUT_MS = 2000;

/** One flood connection: what the server sent, and whether it closed. */
interface FloodConnection {
  readonly socket: net.Socket;
  first: string;
  /** Everything the server sent. */
  text: string;
  closed: boolean;
  drip?: ReturnType<typeof setInterval>;
}

/** Opens `count` connections from `source`, BATCH at a time. */
async function flood(
  port: number,
  source: string,
  count: number,
  slowloris = false,
): Promise<FloodConnection[]> {
  const all: FloodConnection[] = [];
  for (let at = 0; at < count; at += BATCH) {
    const batch = Array.from(
      { length: Math.min(BATCH, count - at) },
      () =>
        new Promise<FloodConnection>((resolve, reject) => {
          const socket = net.connect({
            host: "127.0.0.1",
            port,
            localAddress: source,
          });
          const c: FloodConnection = {
            socket,
            first: "",
            text: "",
            closed: false,
          };
          socket.on("data", (chunk: Uint8Array) => {
            const text = new TextDecoder().decode(chunk);
            if (c.first === "") c.first = text;
            c.text += text;
            if (slowloris && c.drip === undefined) {
              // A byte a second, never a whole line.
              c.drip = setInterval(() => socket.write("X"), 1000);
            }
          });
          socket.on("error", () => {});
          socket.on("close", () => {
            c.closed = true;
            clearInterval(c.drip);
          });
          socket.once("connect", () => resolve(c));
          socket.once("error", reject);
        }),
    );
    all.push(...await Promise.all(batch));
  }
  // Every connection hears from the server: a greeting or a refusal.
  await waitFor(
    `a first reply on all ${count} connections`,
    () => all.every((c) => c.first !== "" || c.closed),
    60_000,
  );
  return all;
}

function hangUp(connections: FloodConnection[]): void {
  for (const c of connections) {
    clearInterval(c.drip);
    c.socket.destroy();
  }
}

/** How many connections got a first reply matching each pattern. */
function tally(connections: FloodConnection[], pattern: RegExp): number {
  return connections.filter((c) => pattern.test(c.first)).length;
}

/**
 * A client from `source` that sends each line after the server's reply
 * to the previous one; the replies it got, ending early at its timeout
 * or when the server closes.
 */
function converse(
  port: number,
  source: string,
  lines: readonly string[],
  replyEnd: RegExp,
): Promise<string[]> {
  return new Promise((resolve) => {
    const replies: string[] = [];
    let buffer = "";
    let next = 0;
    const socket = net.connect({
      host: "127.0.0.1",
      port,
      localAddress: source,
    });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(replies);
    };
    const timer = setTimeout(done, CLIENT_TIMEOUT_MS);
    socket.on("error", done);
    socket.on("close", done);
    socket.on("data", (chunk: Uint8Array) => {
      buffer += new TextDecoder().decode(chunk);
      for (let m = replyEnd.exec(buffer); m; m = replyEnd.exec(buffer)) {
        const end = m.index + m[0].length;
        replies.push(buffer.slice(0, end).trimEnd());
        buffer = buffer.slice(end);
        if (next >= lines.length) return done();
        socket.write(lines[next++] + "\r\n");
      }
    });
  });
}

const UNTRUSTED = {
  mynetworks: "127.0.0.1/32",
};

async function floodFrom127002(port: number): Promise<{
  idle: FloodConnection[];
  slow: FloodConnection[];
}> {
  const idle = await flood(port, "127.0.0.2", IDLE);
  const slow = await flood(port, "127.0.0.2", SLOWLORIS, true);
  return { idle, slow };
}

Deno.test("SMTP flood from one address: a client from another is served", async () => {
  const daemon = await startDaemon({ params: UNTRUSTED });
  let connections: FloodConnection[] = [];
  try {
    const { idle, slow } = await floodFrom127002(daemon.port);
    connections = [...idle, ...slow];
    const refusal =
      /^421 4\.7\.0 mx\.example\.test Error: too many connections from 127\.0\.0\.2\r\n$/;
    // smtpd_client_connection_count_limit (50): the rest refused at once.
    assert.equal(tally(idle, /^220 /), 50);
    assert.equal(tally(idle, refusal), IDLE - 50);
    assert.equal(tally(slow, refusal), SLOWLORIS);

    const replies = await converse(daemon.port, "127.0.0.3", [
      "EHLO client.example",
      "MAIL FROM:<someone@client.example>",
      "RCPT TO:<alice@localhost>",
      "DATA",
      "Subject: through the flood\r\n\r\nserved\r\n.",
      "QUIT",
    ], /^\d{3} [^\r\n]*\r\n/m);
    assert.equal(replies.length, 7, replies.join("\n"));
    assert.match(replies[0], /^220 mx\.example\.test ESMTP/);
    assert.match(replies[5], /^250 2\.0\.0 Ok: queued as /);
    assert.match(replies[6], /^221 /);
    assert.match(
      daemon.log(),
      /warning: Connection concurrency limit exceeded: 51 from unknown\[127\.0\.0\.2\] for service smtp/,
    );
  } finally {
    hangUp(connections);
    await daemon.stop();
  }
});

Deno.test("POP3 flood from one address: a client from another is served", async () => {
  if (!requireProgram("htpasswd")) return;
  const home = await Deno.makeTempDir({ prefix: "mailsrv-flood-" });
  const setup = await virtualSetup(home);
  const pop3 = freePort();
  let daemon: TestDaemon | undefined;
  let connections: FloodConnection[] = [];
  try {
    daemon = await startDaemon({
      home,
      params: { ...setup.params, ...UNTRUSTED },
      listeners: [{ kind: "pop3", port: pop3 }],
    });
    const { idle, slow } = await floodFrom127002(pop3);
    connections = [...idle, ...slow];
    const refusal =
      /^-ERR \[SYS\/TEMP\] Error: too many connections from 127\.0\.0\.2\r\n$/;
    // pop3_client_connection_count_limit (10): the rest refused at once.
    assert.equal(tally(idle, /^\+OK /), 10);
    assert.equal(tally(idle, refusal), IDLE - 10);
    assert.equal(tally(slow, refusal), SLOWLORIS);

    const replies = await converse(pop3, "127.0.0.3", [
      "USER alice@one.test",
      "PASS secret1",
      "STAT",
      "QUIT",
    ], /^[+-][^\r\n]*\r\n/m);
    assert.equal(replies.length, 5, replies.join("\n"));
    assert.match(replies[0], /^\+OK /);
    assert.match(replies[2], /^\+OK /, "logged in");
    assert.match(replies[3], /^\+OK 0 0$/);
    assert.match(replies[4], /^\+OK /);
    assert.match(
      daemon.log(),
      /warning: Connection concurrency limit exceeded: 11 from unknown\[127\.0\.0\.2\] for service pop3/,
    );
  } finally {
    hangUp(connections);
    await daemon?.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("SMTP: slowloris sessions filling default_process_limit are shed under stress; a waiting client is then served", async () => {
  const daemon = await startDaemon({
    params: { ...UNTRUSTED, smtpd_stress_timeout: "1s" },
  });
  let connections: FloodConnection[] = [];
  try {
    // 50 per address (the per-client limit) from two addresses: 100, the
    // process limit, all dripping a byte a second.
    connections = [
      ...await flood(daemon.port, "127.0.0.2", 50, true),
      ...await flood(daemon.port, "127.0.0.4", 50, true),
    ];
    assert.equal(tally(connections, /^220 /), 100);
    // Over the cap: refused at once, not left waiting.
    const [refused] = await converse(daemon.port, "127.0.0.3", [], /\r\n/);
    assert.equal(
      refused,
      "421 4.7.0 mx.example.test Error: too many connections from 127.0.0.3",
    );
    // Under stress (80 of 100 sessions) smtpd_stress_timeout bounds each
    // whole command line: the drip does not keep the sessions.
    const served = await waitFor("a client from 127.0.0.3 served", async () => {
      const replies = await converse(daemon.port, "127.0.0.3", [
        "HELO client.example",
        "QUIT",
      ], /^\d{3} [^\r\n]*\r\n/m);
      return replies[0]?.startsWith("220 ") ? replies : undefined;
    }, 30_000);
    assert.match(served[1], /^250 /);
    assert.match(served[2], /^221 /);
    // What freed the slot: slowloris sessions told 421 4.4.2 and closed.
    await waitFor(
      "a slowloris session shed",
      () =>
        connections.some((c) =>
          c.closed &&
          c.text.endsWith(
            "421 4.4.2 mx.example.test Error: timeout exceeded\r\n",
          )
        ),
    );
    assert.match(
      daemon.log(),
      /warning: service "smtp" \(127\.0\.0\.1:\d+\) is under stress: \d+ of default_process_limit 100 sessions in use/,
    );
  } finally {
    hangUp(connections);
    await daemon.stop();
  }
});

/** Opens a connection from `source` and resolves with it once connected. */
function connectFrom(port: number, source: string): Promise<FloodConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: "127.0.0.1",
      port,
      localAddress: source,
    });
    const c: FloodConnection = { socket, first: "", text: "", closed: false };
    socket.on("data", (chunk: Uint8Array) => {
      c.text += new TextDecoder().decode(chunk);
    });
    socket.on("error", () => {});
    socket.on("close", () => c.closed = true);
    socket.once("connect", () => resolve(c));
    socket.once("error", reject);
  });
}

Deno.test("smtps and pop3s: an over-cap client is disconnected without a reply in clear; one gone before its hello frees its session", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-flood-tls-" });
  const certs = await makeTestCertificates(home);
  const smtps = freePort();
  const pop3s = freePort();
  let daemon: TestDaemon | undefined;
  const connections: FloodConnection[] = [];
  try {
    daemon = await startDaemon({
      home,
      params: {
        ...UNTRUSTED,
        smtpd_tls_cert_file: certs.certFile,
        smtpd_tls_key_file: certs.keyFile,
        smtpd_client_connection_count_limit: 2,
        pop3_client_connection_count_limit: 2,
        pop3_tls_cert_file: certs.certFile,
        pop3_tls_key_file: certs.keyFile,
      },
      listeners: [{ kind: "smtps", port: smtps }, {
        kind: "pop3s",
        port: pop3s,
      }],
    });
    for (const port of [smtps, pop3s]) {
      // Two sessions wait for a TLS handshake; the third is over the cap.
      for (let i = 0; i < 2; i++) {
        connections.push(await connectFrom(port, "127.0.0.2"));
      }
      const over = await connectFrom(port, "127.0.0.2");
      connections.push(over);
      await waitFor("the over-cap connection closed", () => over.closed);
      assert.equal(over.text, "", "nothing in clear on an implicit-TLS port");
    }
    assert.equal(connections.filter((c) => c.closed).length, 2);
    const log = daemon.log();
    assert.match(
      log,
      /warning: Connection concurrency limit exceeded: 3 from unknown\[127\.0\.0\.2\] for service smtp/,
    );
    assert.match(
      log,
      /warning: Connection concurrency limit exceeded: 3 from unknown\[127\.0\.0\.2\] for service pop3/,
    );
    // Clients that leave before their TLS hello free their sessions at
    // once, not at the handshake timeout.
    hangUp(connections);
    const running = daemon;
    await waitFor("no sessions left", async () => {
      const status = await runMailsrv([
        "status",
        "--json",
        "--config",
        running.configPath,
      ]);
      return JSON.parse(status.stdout).sessions === 0;
    }, 10_000);
  } finally {
    hangUp(connections);
    await daemon?.stop();
    await Deno.remove(home, { recursive: true });
  }
});
