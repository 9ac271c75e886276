/**
 * smtpd's TLS and AUTH with the real daemon: a 25 + 587 + 465 setup
 * where 587 requires STARTTLS and AUTH and 25 does not, Python's smtplib
 * as the mail client, the STARTTLS injection probe, and certificates
 * renewed by `mailsrv reload` (smtpd and pop3d).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  python,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import {
  makeTestCertificates,
  type TestCertificates,
} from "../helpers/tls_certs.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";
import { hashPassword } from "../../src/common/password_hash.ts";

interface Setup {
  daemon: TestDaemon;
  certs: TestCertificates;
  submission: number;
  smtps: number;
  base: string;
}

const SUBMISSION_SETTINGS = {
  smtpd_tls_security_level: "encrypt",
  smtpd_sasl_auth_enable: true,
  smtpd_relay_restrictions: "permit_sasl_authenticated, reject",
};

/** Starts 25 + 587 (TLS and AUTH required) + 465, with virtual users. */
async function withSubmission(fn: (s: Setup) => Promise<void>) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-tls-" });
  const certs = await makeTestCertificates(home);
  const virtual = await virtualSetup(home);
  await Deno.writeTextFile(
    join(home, "sasl_users"),
    `carol:${await hashPassword("secret3")}\n`,
  );
  const submission = freePort();
  const smtps = freePort();
  const daemon = await startDaemon({
    home,
    params: {
      ...virtual.params,
      mynetworks: "127.0.0.1/32",
      smtpd_tls_cert_file: certs.certFile,
      smtpd_tls_key_file: certs.keyFile,
      smtpd_sasl_users_file: join(home, "sasl_users"),
      smtpd_sasl_failed_auth_delay: "0s",
    },
    listeners: [
      { kind: "submission", port: submission, settings: SUBMISSION_SETTINGS },
      {
        kind: "smtps",
        port: smtps,
        settings: {
          smtpd_sasl_auth_enable: true,
          smtpd_relay_restrictions: "permit_sasl_authenticated, reject",
        },
      },
    ],
  });
  try {
    await fn({ daemon, certs, submission, smtps, base: virtual.base });
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
}

const SMTPLIB = `
import smtplib, ssl, sys, json
port, ca, user, password, rcpt, mode = sys.argv[1:7]
out = {}
ctx = ssl.create_default_context(cafile=ca)
if mode == "smtps":
    s = smtplib.SMTP_SSL("localhost", int(port), context=ctx, source_address=("127.0.0.2", 0), timeout=30)
    s.ehlo("client.example.test")
else:
    s = smtplib.SMTP("localhost", int(port), source_address=("127.0.0.2", 0), timeout=30)
    s.ehlo("client.example.test")
    out["plain_features"] = sorted(s.esmtp_features)
    out["mail_before_tls"] = list(s.docmd("MAIL FROM:<x@client.example.test>"))
    out["mail_before_tls"][1] = out["mail_before_tls"][1].decode()
    s.starttls(context=ctx)
    s.ehlo("client.example.test")
out["tls_features"] = sorted(s.esmtp_features)
out["relay_before_auth"] = None
code, _ = s.docmd("MAIL FROM:<x@client.example.test>")
code, text = s.docmd("RCPT TO:<" + rcpt + ">")
out["relay_before_auth"] = [code, text.decode()]
s.rset()
s.login(user, password)
s.sendmail("alice@one.test", [rcpt, "alice@one.test"], b"Subject: submitted\\r\\n\\r\\nhello\\r\\n")
s.quit()
print(json.dumps(out))
`;

Deno.test("587 requires STARTTLS and AUTH; smtplib logs in and relays; 25 stays open to plain mail and closed to relaying", async () => {
  if (!requireProgram("htpasswd")) return;
  await withSubmission(async ({ daemon, certs, submission, base }) => {
    const out = JSON.parse(
      await python(SMTPLIB, [
        String(submission),
        certs.caFile,
        "alice@one.test",
        "secret1",
        "friend@remote.example",
        "starttls",
      ]),
    );
    assert.ok(out.plain_features.includes("starttls"), out.plain_features);
    assert.deepEqual(out.mail_before_tls, [
      530,
      "5.7.0 Must issue a STARTTLS command first",
    ]);
    assert.ok(out.tls_features.includes("auth"), out.tls_features);
    assert.ok(!out.tls_features.includes("starttls"));
    assert.deepEqual(out.relay_before_auth, [
      554,
      "5.7.1 <friend@remote.example>: Recipient address rejected: Access denied",
    ]);
    const log = await waitFor("the authenticated client line", () => {
      const text = daemon.log();
      return /sasl_method=PLAIN, sasl_username=alice@one\.test/.test(text)
        ? text
        : undefined;
    });
    assert.match(
      log,
      /Anonymous TLS connection established from localhost\[127\.0\.0\.2\]: TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)/,
    );
    assert.match(
      log,
      /client=localhost\[127\.0\.0\.2\], sasl_method=PLAIN, sasl_username=alice@one\.test/,
    );
    // The copy for alice shows TLS and ESMTPSA, not the user.
    const mbox = await waitFor("delivery to alice", async () => {
      try {
        const text = await Deno.readTextFile(join(base, "one.test", "alice"));
        return text.includes("Subject: submitted") ? text : undefined;
      } catch {
        return undefined;
      }
    });
    assert.match(
      mbox,
      /\(localhost \[127\.0\.0\.2\]\)\n\t\(using TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)\)\n\tby mx\.example\.test \(mailsrv\) with ESMTPSA id /,
    );
    assert.doesNotMatch(mbox, /Authenticated sender/);

    // Port 25: no TLS required, no relaying for 127.0.0.2 (not in mynetworks).
    const plain = await python(
      `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=("127.0.0.2", 0), timeout=30)
s.ehlo("client.example.test")
print(s.docmd("MAIL FROM:<x@client.example.test>")[0])
print(s.docmd("RCPT TO:<friend@remote.example>")[0])
print(s.docmd("RCPT TO:<alice@one.test>")[0])
s.quit()
`,
      [String(daemon.port)],
    );
    assert.deepEqual(plain.trim().split("\n"), ["250", "554", "250"]);
  });
});

Deno.test("465 speaks TLS at once; the SASL users file logs carol in; a wrong password is 535", async () => {
  if (!requireProgram("htpasswd")) return;
  await withSubmission(async ({ daemon, certs, smtps }) => {
    const out = JSON.parse(
      await python(SMTPLIB, [
        String(smtps),
        certs.caFile,
        "carol",
        "secret3",
        "friend@remote.example",
        "smtps",
      ]),
    );
    assert.ok(out.tls_features.includes("auth"));
    assert.ok(!out.tls_features.includes("starttls"));
    await waitFor(
      "carol's client line",
      () => /sasl_username=carol\b/.test(daemon.log()) || undefined,
    );
    await assert.rejects(
      python(SMTPLIB, [
        String(smtps),
        certs.caFile,
        "carol",
        "wrong",
        "friend@remote.example",
        "smtps",
      ]),
      /535/,
    );
    assert.match(
      daemon.log(),
      /warning: localhost\[127\.0\.0\.2\]: SASL PLAIN authentication failed/,
    );
    assert.doesNotMatch(daemon.log(), /wrong/);
  });
});

Deno.test("STARTTLS injection: commands pipelined after STARTTLS are discarded, not answered under TLS", async () => {
  if (!requireProgram("htpasswd")) return;
  await withSubmission(async ({ certs, submission }) => {
    const out = await python(
      `
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        line = f.readline().decode()
        lines.append(line.strip())
        if line[3:4] == " ":
            return lines
reply()
s.sendall(b"EHLO client.example.test\\r\\n"); reply()
s.sendall(b"STARTTLS\\r\\nRSET\\r\\n")
print(reply()[0])
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname="localhost")
f = t.makefile("rb")
t.sendall(b"HELP\\r\\n")
print(reply()[0])
t.sendall(b"QUIT\\r\\n")
print(reply()[0])
`,
      [String(submission), certs.caFile],
    );
    assert.deepEqual(out.trim().split("\n"), [
      "220 2.0.0 Ready to start TLS",
      "214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY ETRN HELP QUIT",
      "221 2.0.0 Bye",
    ]);
  });
});

/**
 * Reads one SMTP or POP3 reply (up to a final line); a server that never
 * answers fails the test after a minute instead of hanging it.
 */
async function readReply(conn: Deno.Conn | Deno.TlsConn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  const guard = setTimeout(() => conn.close(), 60_000);
  try {
    while (!/(^|\n)(\d{3} |\+OK|-ERR)[^\n]*\r\n$/.test(text)) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection closed after "${text}"`);
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    clearTimeout(guard);
  }
}

async function say(conn: Deno.Conn | Deno.TlsConn, line: string) {
  await conn.write(new TextEncoder().encode(`${line}\r\n`));
  return await readReply(conn);
}

/** STARTTLS on a plaintext session, trusting only `ca`; the EHLO reply. */
async function startTls(conn: Deno.TcpConn, ca: string): Promise<string> {
  assert.match(await say(conn, "STARTTLS"), /^220 2\.0\.0/);
  const tls = await Deno.startTls(conn, {
    hostname: "localhost",
    caCerts: [await Deno.readTextFile(ca)],
  });
  try {
    return await say(tls, "EHLO client.example.test");
  } finally {
    tls.close();
  }
}

async function ehloSession(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await readReply(conn);
  await say(conn, "EHLO client.example.test");
  return conn;
}

Deno.test("reload renews smtpd's and pop3d's certificates for new sessions; running sessions keep theirs; a pop3s listener comes with its certificate", async () => {
  if (!requireProgram("htpasswd")) return;
  await withSubmission(async ({ daemon, certs }) => {
    const renewedDir = join(daemon.home, "renewed");
    await Deno.mkdir(renewedDir);
    const renewed = await makeTestCertificates(renewedDir);
    const before = await ehloSession(daemon.port);
    const edit = await runMailsrv([
      "postconf",
      "--config",
      daemon.configPath,
      "-e",
      `smtpd_tls_cert_file=${renewed.certFile}`,
      `smtpd_tls_key_file=${renewed.keyFile}`,
      `pop3_tls_cert_file=${certs.certFile}`,
      `pop3_tls_key_file=${certs.keyFile}`,
    ]);
    assert.equal(edit.code, 0, edit.stderr);
    const pop3s = freePort();
    const pop3 = freePort();
    await Deno.writeTextFile(
      daemon.configPath,
      `\n[[listener]]\naddress = "127.0.0.1"\nport = ${pop3s}\nkind = "pop3s"\n` +
        `\n[[listener]]\naddress = "127.0.0.1"\nport = ${pop3}\nkind = "pop3"\n`,
      { append: true },
    );
    const reload = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.equal(reload.code, 0, reload.stderr);

    // The session that connected before the reload keeps the old certificate.
    assert.match(await startTls(before, certs.caFile), /250-AUTH|250 /);
    // New sessions get the renewed one, and the old CA no longer fits.
    assert.match(
      await startTls(await ehloSession(daemon.port), renewed.caFile),
      /^250-mx\.example\.test/,
    );
    await assert.rejects(
      startTls(await ehloSession(daemon.port), certs.caFile),
    );

    // The pop3s listener added with its certificate in the same reload.
    const secure = await Deno.connectTls({
      hostname: "localhost",
      port: pop3s,
      caCerts: [await Deno.readTextFile(certs.caFile)],
    });
    assert.match(await readReply(secure), /^\+OK/);
    secure.close();
    // And the pop3 listener added by reload offers STLS.
    const plain = await Deno.connect({ hostname: "127.0.0.1", port: pop3 });
    await readReply(plain);
    await plain.write(new TextEncoder().encode("CAPA\r\n"));
    let capa = "";
    const buffer = new Uint8Array(4096);
    while (!capa.includes("\r\n.\r\n")) {
      const n = await plain.read(buffer);
      if (n === null) break;
      capa += new TextDecoder().decode(buffer.subarray(0, n));
    }
    plain.close();
    assert.match(capa, /\r\nSTLS\r\n/);

    // Renewing pop3's certificate: new sessions get it.
    const pop3Edit = await runMailsrv([
      "postconf",
      "--config",
      daemon.configPath,
      "-e",
      `pop3_tls_cert_file=${renewed.certFile}`,
      `pop3_tls_key_file=${renewed.keyFile}`,
    ]);
    assert.equal(pop3Edit.code, 0, pop3Edit.stderr);
    assert.equal(
      (await runMailsrv(["reload", "--config", daemon.configPath])).code,
      0,
    );
    const again = await Deno.connectTls({
      hostname: "localhost",
      port: pop3s,
      caCerts: [await Deno.readTextFile(renewed.caFile)],
    });
    assert.match(await readReply(again), /^\+OK/);
    again.close();

    // A certificate that cannot be read refuses the reload.
    const broken = await runMailsrv([
      "postconf",
      "--config",
      daemon.configPath,
      "-e",
      `smtpd_tls_cert_file=${join(daemon.home, "missing.pem")}`,
    ]);
    assert.equal(broken.code, 0, broken.stderr);
    const refused = await runMailsrv(["reload", "--config", daemon.configPath]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /smtpd_tls_cert_file "[^"]*missing\.pem"/);
  });
});
