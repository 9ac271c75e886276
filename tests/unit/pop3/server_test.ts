/**
 * pop3d's adapter and listener: transcripts over an in-memory stream,
 * timeouts, maillog lines, drain, and Python's poplib (a real client)
 * over plain TCP, STLS and pop3s with a CA-signed test certificate.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Pop3Stream,
  serveSession,
  startPop3Listener,
} from "../../../src/pop3/server.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { makeTestCertificates } from "../../helpers/tls_certs.ts";
import { fakeDeps, memoryStream } from "./fake_pop3_deps.ts";

const MESSAGES = ["Subject: one\n\n.dot\n", "Subject: two\n\nfirst\nsecond\n"];
const TRANSCRIPTS = fileURLToPath(new URL("./transcripts", import.meta.url));

function config(overrides: Partial<Config> = {}): Config {
  return baseTestConfig({ pop3_failed_login_delay: 0, ...overrides });
}

/** Parses a transcript: `C:` lines are sent pipelined, `S:` lines expected. */
async function readTranscript(name: string) {
  const text = await Deno.readTextFile(join(TRANSCRIPTS, name));
  const client: string[] = [];
  const server: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("C: ")) client.push(line.slice(3));
    if (line.startsWith("S: ")) server.push(line.slice(3));
  }
  return {
    input: client.map((l) => l + "\r\n").join(""),
    expected: server.map((l) => l + "\r\n").join(""),
  };
}

for (const entry of Deno.readDirSync(TRANSCRIPTS)) {
  Deno.test(`transcript ${entry.name}`, async () => {
    const { input, expected } = await readTranscript(entry.name);
    const deps = fakeDeps(config(), MESSAGES);
    const io = memoryStream(input);
    await serveSession(io, deps, { address: "127.0.0.1" });
    assert.equal(io.output(), expected);
    if (entry.name === "retr_top_dele.txt") {
      assert.deepEqual(deps.record.committed, new Set([0]));
      assert.deepEqual(deps.logins, ["alice 127.0.0.1"]);
    }
    if (entry.name === "auth_plain_rset.txt") {
      assert.deepEqual(deps.record.committed, new Set());
    }
  });
}

Deno.test("replies to pipelined commands go out in one write", async () => {
  const deps = fakeDeps(config(), MESSAGES);
  const io = memoryStream("USER alice\r\nPASS secret\r\nSTAT\r\nNOOP\r\n");
  const writes: string[] = [];
  const write = io.write;
  io.write = (bytes) => {
    writes.push(new TextDecoder().decode(bytes));
    return write(bytes);
  };
  await serveSession(io, deps, { address: "127.0.0.1" });
  assert.equal(writes[0], "+OK mx.example.org POP3 server ready\r\n");
  assert.equal(
    writes[1],
    "+OK\r\n+OK Maildrop locked and ready\r\n+OK 2 53\r\n+OK\r\n",
  );
  assert.equal(deps.record.released, 1, "EOF releases the maildrop");
  assert.equal(deps.record.committed, null, "EOF deletes nothing");
});

Deno.test("PASS does not wait for the scan; the first STAT scans, once; QUIT alone never does", async () => {
  const deps = fakeDeps(config(), MESSAGES);
  const io = memoryStream("USER alice\r\nPASS secret\r\nNOOP\r\nQUIT\r\n");
  await serveSession(io, deps, { address: "127.0.0.1" });
  assert.match(io.output(), /\+OK Maildrop locked and ready\r\n\+OK\r\n/);
  assert.equal(deps.record.scans, 0);
  assert.deepEqual(deps.record.committed, new Set());

  const listed = fakeDeps(config(), MESSAGES);
  const again = memoryStream(
    "USER alice\r\nPASS secret\r\nSTAT\r\nUIDL\r\nRETR 2\r\nQUIT\r\n",
  );
  await serveSession(again, listed, { address: "127.0.0.1" });
  assert.match(
    again.output(),
    /\+OK 2 53\r\n\+OK\r\n1 uid1\r\n2 uid2\r\n\.\r\n/,
  );
  assert.equal(listed.record.scans, 1);
});

Deno.test("a lost connection mid-session releases the maildrop and logs", async () => {
  const lines: string[] = [];
  await setupLogging({
    hostname: "t",
    stderr: false,
    sink: (l) => lines.push(l),
  });
  try {
    const deps = fakeDeps(config(), MESSAGES);
    await serveSession(
      memoryStream("USER alice\r\nPASS secret\r\nDELE 1\r\nRETR 2\r\n"),
      deps,
      { address: "127.0.0.1" },
    );
    await serveSession(
      memoryStream("USER alice\r\nPASS nope\r\nQUIT\r\n"),
      deps,
      { address: "127.0.0.1" },
    );
    assert.equal(deps.record.released, 1);
    const log = lines.join("");
    assert.match(
      log,
      /mailsrv\/pop3d\[\d+\]: connect from localhost\[127\.0\.0\.1\]/,
    );
    assert.match(log, /pop3d\[\d+\]: login: user=<alice>, ip=\[127\.0\.0\.1\]/);
    assert.match(
      log,
      /logout: user=<alice>, ip=\[127\.0\.0\.1\], top=0, retr=1, dele=1/,
    );
    assert.match(
      log,
      /pop3d\[\d+\]: warning: login failed: user=<alice>, ip=\[127\.0\.0\.1\]/,
    );
    assert.match(log, /disconnect from localhost\[127\.0\.0\.1\]/);
    assert.ok(!log.includes("nope"), "passwords are never logged");
  } finally {
    await closeLogging();
  }
});

Deno.test("a failed commit answers -ERR [SYS/TEMP] and releases", async () => {
  const deps = fakeDeps(config(), MESSAGES, { failCommit: true });
  const io = memoryStream("USER alice\r\nPASS secret\r\nDELE 1\r\nQUIT\r\n");
  await serveSession(io, deps, { address: "127.0.0.1" });
  assert.match(io.output(), /\r\n-ERR \[SYS\/TEMP\] [^\r]*\r\n$/);
  assert.equal(deps.record.released, 1);
});

Deno.test("an over-long command line is refused, the next one served", async () => {
  const deps = fakeDeps(config(), MESSAGES);
  const io = memoryStream(`USER ${"x".repeat(300)}\r\nQUIT\r\n`);
  await serveSession(io, deps, { address: "127.0.0.1" });
  assert.equal(
    io.output(),
    "+OK mx.example.org POP3 server ready\r\n-ERR Command line too long\r\n" +
      "+OK mx.example.org POP3 server signing off\r\n",
  );
});

Deno.test("an idle client is logged out after pop3_timeout", async () => {
  const deps = fakeDeps(config({ pop3_timeout: 0.05 }), MESSAGES);
  let written = "";
  let closed = false;
  const silent: Pop3Stream = {
    read: () => new Promise(() => {}),
    write: (b) => {
      written += new TextDecoder().decode(b);
      return Promise.resolve(b.length);
    },
    close: () => void (closed = true),
  };
  await serveSession(silent, deps, { address: "192.0.2.1" });
  assert.match(
    written,
    /-ERR \[SYS\/TEMP\] Autologout; idle for too long\r\n$/,
  );
  assert.ok(closed);
});

// ---- a real client: Python's poplib over loopback ----

const POPLIB = `
import json, poplib, ssl, sys
port, mode, cafile, actions = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
ctx = ssl.create_default_context(cafile=cafile) if cafile else None
out = {}
try:
    p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=20) if mode == "ssl" \\
        else poplib.POP3("127.0.0.1", port, timeout=20)
    if mode == "stls":
        out["capa"] = sorted(p.capa().keys())
        p.stls(context=ctx)
    out["capa_after"] = sorted(p.capa().keys())
    p.user("alice"); p.pass_("secret")
    out["stat"] = list(p.stat())
    out["list"] = [l.decode() for l in p.list()[1]]
    out["retr"] = [b"\\n".join(p.retr(i)[1]).decode() for i in (1, 2)]
    out["top"] = b"\\n".join(p.top(2, 1)[1]).decode()
    for a in actions:
        if a == "rset": p.rset()
        else: p.dele(int(a))
    out["quit"] = p.quit().decode()
except Exception as e:
    out["error"] = repr(e)
print(json.dumps(out))
`;

async function poplib(
  port: number,
  mode: "plain" | "stls" | "ssl",
  cafile: string,
  ...actions: string[]
): Promise<Record<string, unknown>> {
  const out = await new Deno.Command("python3", {
    args: ["-c", POPLIB, String(port), mode, cafile, ...actions],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

const TRICKY = [
  "Subject: one\n\n.dot\n..two dots\n",
  "Subject: two\r\n\r\nfirst\r\nsecond\r\nthird",
];

async function withListener(
  kind: "pop3" | "pop3s",
  tls: boolean,
  fn: (
    port: number,
    cafile: string,
    deps: ReturnType<typeof fakeDeps>,
  ) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    const certs = tls ? await makeTestCertificates(dir) : null;
    const deps = fakeDeps(
      config({
        pop3_plaintext_logins: tls ? "never" : "loopback",
        pop3_tls_cert_file: certs?.certFile ?? "",
        pop3_tls_key_file: certs?.keyFile ?? "",
      }),
      TRICKY,
    );
    const service = await startPop3Listener(
      { kind, address: "127.0.0.1", port: 0 },
      deps,
    );
    try {
      await fn(service.address.port, certs?.caFile ?? "", deps);
    } finally {
      await service.drain(1000);
    }
    assert.equal(service.activeSessions(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertMailbox(r: Record<string, unknown>) {
  assert.equal(r.error, undefined, String(r.error));
  assert.deepEqual(r.stat, [2, 70]);
  assert.deepEqual(r.list, ["1 34", "2 36"]);
  assert.deepEqual(r.retr, [
    "Subject: one\n\n.dot\n..two dots",
    "Subject: two\n\nfirst\nsecond\nthird",
  ]);
  assert.equal(r.top, "Subject: two\n\nfirst");
}

Deno.test("poplib over plain TCP: exact bytes, DELE + QUIT commits", async () => {
  await withListener("pop3", false, async (port, _ca, deps) => {
    const r = await poplib(port, "plain", "", "2");
    assertMailbox(r);
    assert.deepEqual(r.capa_after, [
      "AUTH-RESP-CODE",
      "EXPIRE",
      "IMPLEMENTATION",
      "PIPELINING",
      "RESP-CODES",
      "SASL",
      "TOP",
      "UIDL",
      "USER",
    ]);
    assert.match(String(r.quit), /^\+OK /);
    assert.deepEqual(deps.record.committed, new Set([1]));
  });
});

Deno.test("poplib with RSET: QUIT deletes nothing", async () => {
  await withListener("pop3", false, async (port, _ca, deps) => {
    const r = await poplib(port, "plain", "", "1", "2", "rset");
    assert.equal(r.error, undefined, String(r.error));
    assert.deepEqual(deps.record.committed, new Set());
  });
});

Deno.test("poplib over STLS: USER is offered only after TLS", async () => {
  await withListener("pop3", true, async (port, ca, deps) => {
    const r = await poplib(port, "stls", ca, "1");
    assertMailbox(r);
    assert.ok((r.capa as string[]).includes("STLS"));
    assert.ok(!(r.capa as string[]).includes("USER"));
    assert.ok(!(r.capa_after as string[]).includes("STLS"));
    assert.ok((r.capa_after as string[]).includes("USER"));
    assert.deepEqual(deps.record.committed, new Set([0]));
  });
});

Deno.test("poplib over pop3s (implicit TLS)", async () => {
  await withListener("pop3s", true, async (port, ca, deps) => {
    const r = await poplib(port, "ssl", ca);
    assertMailbox(r);
    assert.deepEqual(deps.record.committed, new Set());
  });
});

Deno.test("a pop3s listener without a certificate does not start", async () => {
  await assert.rejects(
    startPop3Listener(
      { kind: "pop3s", address: "127.0.0.1", port: 0 },
      fakeDeps(config(), []),
    ),
    /pop3s listener needs pop3_tls_cert_file/,
  );
});

Deno.test("drain closes a session waiting in AUTHORIZATION", async () => {
  const deps = fakeDeps(config(), MESSAGES);
  const service = await startPop3Listener(
    { kind: "pop3", address: "127.0.0.1", port: 0 },
    deps,
  );
  const conn = await Deno.connect({ port: service.address.port });
  const buffer = new Uint8Array(512);
  const dec = new TextDecoder();
  let text = dec.decode(buffer.subarray(0, (await conn.read(buffer))!));
  assert.match(text, /^\+OK /);
  const drained = service.drain(60_000);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += dec.decode(buffer.subarray(0, n));
  }
  await drained;
  conn.close();
  assert.match(
    text,
    /-ERR \[SYS\/TEMP\] mx\.example\.org POP3 server shutting down\r\n$/,
  );
});
