/**
 * Mail leaves the box: the real daemon relays to a scripted SMTP server
 * and to Postfix's smtp-sink, bounces what the next hop refuses or DNS
 * says does not exist, and keeps what it cannot deliver yet.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  listFiles,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";
import { startDnsServer } from "../helpers/dns_server.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";

Deno.test("relayhost: each recipient gets the next hop's answer; a refused one bounces to the sender", async () => {
  const hop = await startFakeSmtpServer({
    rcpt: {
      "gone@far.test":
        "550 5.1.1 <gone@far.test>: Recipient address rejected: User unknown",
    },
  });
  const daemon = await startDaemon({
    params: {
      relayhost: `[127.0.0.1]:${hop.port}`,
      smtp_tls_security_level: "none",
    },
  });
  try {
    const [sent] = await sendWithSmtplib(daemon.port, "alice@localhost", [
      "bob@far.test",
      "gone@far.test",
    ]);
    assert.equal(sent.code, 250);
    await waitFor(
      "the relayed copy",
      () => hop.messages.length === 1 || undefined,
    );
    assert.deepEqual(hop.messages[0].recipients, ["bob@far.test"]);
    assert.equal(hop.messages[0].sender, "alice@localhost");
    const log = () => daemon.log();
    await waitFor(
      "the delivery lines",
      () =>
        (/status=bounced/.test(log()) && /status=sent/.test(log())) ||
        undefined,
    );
    assert.match(
      log(),
      new RegExp(
        `mailsrv/smtp\\[\\d+\\]: \\w+: to=<bob@far\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${hop.port}, .*dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 Ok: queued as FAKE\\)`,
      ),
    );
    assert.match(
      log(),
      /to=<gone@far\.test>, .*dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\]:\d+ said: 550 5\.1\.1 <gone@far\.test>: Recipient address rejected: User unknown \(in reply to RCPT TO command\)\)/,
    );
    const box = join(daemon.home, "mail", "alice");
    await waitFor(
      "the bounce",
      async () => (await listFiles(join(box, "new"))).length === 1 || undefined,
    );
    const [bounce] = await readMailbox("maildir", box);
    assert.match(bounce.subject ?? "", /Undelivered Mail Returned to Sender/);
  } finally {
    await daemon.stop();
    await hop.close();
  }
});

Deno.test("DNS: NXDOMAIN bounces, SERVFAIL keeps the mail queued; MX with a port through relayhost", async () => {
  const hop = await startFakeSmtpServer({});
  const dns = await startDnsServer({
    records: {
      "isp.test": [{
        type: "MX",
        name: "isp.test",
        data: { preference: 10, exchange: "smtp.isp.test" },
      }],
      "smtp.isp.test": [{
        type: "A",
        name: "smtp.isp.test",
        data: "127.0.0.1",
      }],
    },
    nxdomain: ["gone.test"],
    servfail: ["broken.test"],
  });
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const resolvConf = join(home, "resolv.conf");
  await Deno.writeTextFile(
    resolvConf,
    `${dns.nameserverLine}\noptions timeout:5 attempts:2\n`,
  );
  const daemon = await startDaemon({
    home,
    params: { resolv_conf: resolvConf, smtp_tls_security_level: "none" },
  });
  try {
    await sendWithSmtplib(daemon.port, "alice@localhost", [
      "x@gone.test",
      "y@broken.test",
    ]);
    await waitFor(
      "the DNS verdicts",
      () =>
        /to=<y@broken\.test>.*status=deferred/.test(daemon.log()) || undefined,
    );
    assert.match(
      daemon.log(),
      /to=<x@gone\.test>, relay=none, .*dsn=5\.4\.4, status=bounced \(Host or domain name not found\. Name service error for name=gone\.test type=MX: Host not found\)/,
    );
    assert.match(
      daemon.log(),
      /to=<y@broken\.test>, relay=none, .*dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=broken\.test type=MX: Host not found, try again\)/,
    );
    // The log line comes first; the move to deferred/ follows.
    await waitFor(
      "the message in deferred/",
      async () =>
        (await listFiles(join(daemon.queueDirectory, "deferred"))).length ===
          1 || undefined,
    );
  } finally {
    await daemon.stop();
  }
  // relayhost = host:port: the MX of host, at that port.
  const again = await startDaemon({
    home,
    params: {
      resolv_conf: resolvConf,
      relayhost: `isp.test:${hop.port}`,
      smtp_tls_security_level: "none",
    },
  });
  try {
    await sendWithSmtplib(again.port, "alice@localhost", ["z@far.test"]);
    await waitFor(
      "the delivery line",
      () => /to=<z@far\.test>.*status=/.test(again.log()) || undefined,
    );
    assert.ok(hop.messages.some((m) => m.recipients.includes("z@far.test")));
    assert.match(
      again.log(),
      new RegExp(
        `to=<z@far\\.test>, relay=smtp\\.isp\\.test\\[127\\.0\\.0\\.1\\]:${hop.port}, .*status=sent`,
      ),
    );
  } finally {
    await again.stop();
    await dns.close();
    await hop.close();
  }
});

Deno.test("Postfix's smtp-sink receives the relayed message intact", async () => {
  if (!requireProgram("smtp-sink")) return;
  const dumps = await Deno.makeTempDir({ prefix: "mailsrv-sink-" });
  await Deno.chmod(dumps, 0o777);
  const port = freePort();
  const asRoot = Deno.uid() === 0;
  const sink = new Deno.Command("smtp-sink", {
    args: [
      ...(asRoot ? ["-u", "nobody"] : []),
      "-d",
      `${dumps}/%M.`,
      `127.0.0.1:${port}`,
      "10",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const daemon = await startDaemon({
    params: {
      relayhost: `[127.0.0.1]:${port}`,
      smtp_tls_security_level: "none",
    },
  });
  try {
    await waitFor("smtp-sink", async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true;
      } catch {
        return undefined;
      }
    });
    const body = "line one\n.leading dot\n" + `${"x".repeat(70)}\n`.repeat(60);
    await sendWithSmtplib(daemon.port, "alice@localhost", ["bob@far.test"], {
      body,
    });
    const file = await waitFor(
      "the dump",
      async () => (await listFiles(dumps))[0],
    );
    await waitFor(
      "the whole dump",
      () => /status=sent/.test(daemon.log()) || undefined,
    );
    const dump = await Deno.readTextFile(join(dumps, file));
    assert.match(dump, /^X-Mail-Args: <alice@localhost>/m);
    assert.match(dump, /^X-Rcpt-Args: <bob@far\.test>/m);
    assert.match(
      dump,
      /^\.leading dot$/m,
      "dot-stuffing undone by the receiver",
    );
    assert.equal(dump.split(`${"x".repeat(70)}\n`).length, 61);
  } finally {
    await daemon.stop();
    sink.kill("SIGTERM");
    await sink.status;
    await sink.stderr.cancel();
    await Deno.remove(dumps, { recursive: true });
  }
});
