/**
 * Debian's clamsmtpd as mailsrv's after-queue content filter, as the
 * clamsmtp how-to wires it to Postfix: `content_filter =
 * scan:[127.0.0.1]:10025`, clamsmtpd hands clean mail back on the
 * reinjection listener (10026 there). clamd runs offline on a database
 * of one test signature (the EICAR test string), so nothing is
 * downloaded. A clean message is delivered once with clamsmtpd's
 * X-Virus-Scanned: header; the EICAR message is dropped by the filter
 * and never reaches the mailbox.
 *
 * Needs clamsmtp and clamav-daemon (.ci/run installs them).
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

/** The EICAR anti-virus test file (harmless by design). */
const EICAR =
  "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

async function swaks(port: number, subject: string, body: string) {
  const out = await new Deno.Command("swaks", {
    args: [
      "--server",
      `127.0.0.1:${port}`,
      "--from",
      "alice@example.org",
      "--to",
      "bob@localhost",
      "--header",
      `Subject: ${subject}`,
      "--body",
      body,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `swaks failed:\n${text}`);
  assert.match(text, /<- {2}250 2\.0\.0 Ok: queued as/);
}

const ready = requireProgram("clamsmtpd") && requireProgram("clamd") &&
  requireProgram("swaks");

Deno.test({
  name:
    "clamsmtpd as content filter: clean mail delivered with its header, a virus dropped",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-clamsmtp-" });
  const db = join(dir, "db");
  await Deno.mkdir(db);
  await Deno.mkdir(join(dir, "tmp"));
  // A body signature (ndb: any file type, any offset, the bytes in hex).
  const hex = [...new TextEncoder().encode(EICAR)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  await Deno.writeTextFile(
    join(db, "test.ndb"),
    `Mailsrv-Test-EICAR:0:*:${hex}\n`,
  );
  const socket = join(dir, "clamd.sock");
  await Deno.writeTextFile(
    join(dir, "clamd.conf"),
    [
      `LocalSocket ${socket}`,
      `DatabaseDirectory ${db}`,
      "Foreground yes",
      `User ${Deno.uid() === 0 ? "root" : Deno.env.get("USER") ?? "root"}`,
      `LogFile ${join(dir, "clamd.log")}`,
      "",
    ].join("\n"),
  );
  const filterPort = freePort();
  const reinject = freePort();
  await Deno.writeTextFile(
    join(dir, "clamsmtpd.conf"),
    [
      `OutAddress: 127.0.0.1:${reinject}`,
      `Listen: 127.0.0.1:${filterPort}`,
      `ClamAddress: ${socket}`,
      `TempDirectory: ${join(dir, "tmp")}`,
      "Action: drop",
      "",
    ].join("\n"),
  );
  const clamd = new Deno.Command("clamd", {
    args: ["-c", join(dir, "clamd.conf")],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const clamsmtpd = new Deno.Command("clamsmtpd", {
    args: ["-d", "1", "-f", join(dir, "clamsmtpd.conf")],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  let daemon;
  try {
    await waitFor("clamd's socket", async () => {
      try {
        const conn = await Deno.connect({ transport: "unix", path: socket });
        conn.close();
        return true;
      } catch {
        return undefined;
      }
    });
    daemon = await startDaemon({
      home,
      params: {
        content_filter: `scan:[127.0.0.1]:${filterPort}`,
        mynetworks: "192.0.2.0/24",
        smtpd_recipient_restrictions:
          "permit_mynetworks, reject_unauth_destination",
      },
      listeners: [{
        kind: "smtp",
        port: reinject,
        settings: {
          content_filter: "",
          receive_override_options: "no_unknown_recipient_checks",
          smtpd_recipient_restrictions: "permit_mynetworks, reject",
          mynetworks: "127.0.0.0/8",
          smtpd_authorized_xforward_hosts: "127.0.0.0/8",
        },
      }],
      extraToml: [
        "[[transport]]",
        'name = "scan"',
        'kind = "smtp"',
        "maxproc = 16",
        "options = { smtp_send_xforward_command = true }",
      ].join("\n"),
    });
    await swaks(daemon.port, "clean", "nothing to see here");
    await swaks(daemon.port, "infected", EICAR);
    const maildir = join(home, "mail", "bob", "new");
    const [clean] = await waitFor("the clean message", async () => {
      const files = await listFiles(maildir).catch(() => []);
      return files.length > 0 ? files : undefined;
    });
    const text = await Deno.readTextFile(join(maildir, clean));
    assert.match(text, /^Subject: clean$/m);
    assert.match(text, /^X-Virus-Scanned: ClamAV using ClamSMTP/m);
    // The infected one went to the filter too, and stopped there.
    await waitFor(
      "both messages through the scan transport",
      () =>
        (daemon!.log().match(
            /relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent/g,
          ) ??
            []).length >= 2
          ? true
          : undefined,
    );
    const clamdLog = await Deno.readTextFile(join(dir, "clamd.log"));
    assert.match(clamdLog, /Mailsrv-Test-EICAR\.UNOFFICIAL FOUND/);
    assert.deepEqual(
      (await listFiles(maildir)).length,
      1,
      "only the clean message is delivered",
    );
  } finally {
    await daemon?.stop();
    for (const child of [clamsmtpd, clamd]) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
