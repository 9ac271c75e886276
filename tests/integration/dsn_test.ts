/**
 * DSN end to end through the real daemon: a client (Python's smtplib)
 * asks for NOTIFY=SUCCESS,FAILURE with ORCPT, RET=HDRS and ENVID; the
 * success notice for a local user and the bounce for a user that does
 * not exist arrive in the sender's local mailbox as RFC 3464 reports,
 * read back with Python's `email`. NOTIFY=NEVER silences the bounce, and
 * a failure of mail from the null sender goes to the postmaster.
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { join } from "node:path";
import {
  listFiles,
  python,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";

const REPORT = fromFileUrl(
  new URL("../helpers/dsn_report.py", import.meta.url),
);

/** Sends one message with DSN options; prints the EHLO DSN flag and replies. */
const SEND = `
import json, smtplib, sys
port, sender, mail_options, rcpts = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
msg = "From: <%s>\\r\\nSubject: dsn test\\r\\nMessage-ID: <dsn-test@example.test>\\r\\n\\r\\nThe body, which RET=HDRS keeps home.\\r\\n" % (sender or "nobody@example.test")
with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
    s.ehlo("client.example.test")
    offered = s.has_extn("dsn")
    code, reply = s.mail(sender, mail_options)
    assert code == 250, reply
    for rcpt, options in rcpts:
        code, reply = s.rcpt(rcpt, options)
        assert code == 250, (rcpt, reply)
    code, reply = s.data(msg)
    print(json.dumps({"dsn": offered, "code": code, "reply": reply.decode()}))
`;

interface Report {
  readonly subject: string;
  readonly return_path: string;
  readonly to: string;
  readonly type: string;
  readonly report_type: string;
  readonly parts: string[];
  readonly message: Record<string, string>;
  readonly recipients: Record<string, string>[];
  readonly returned: string | null;
}

async function send(
  daemon: TestDaemon,
  sender: string,
  mailOptions: string[],
  recipients: Array<[string, string[]]>,
): Promise<string> {
  const out = JSON.parse(
    await python(SEND, [
      String(daemon.port),
      sender,
      JSON.stringify(mailOptions),
      JSON.stringify(recipients),
    ]),
  );
  assert.equal(out.dsn, true, "EHLO offers DSN");
  assert.equal(out.code, 250, out.reply);
  return out.reply.match(/queued as (\S+)/)![1];
}

async function reports(maildir: string, count: number): Promise<Report[]> {
  await waitFor(
    `${count} notice(s) in ${maildir}`,
    async () =>
      (await listFiles(join(maildir, "new"))).length >= count || undefined,
  );
  const out = await new Deno.Command("python3", {
    args: [REPORT, maildir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.ok(out.success, text.decode(out.stderr));
  return JSON.parse(text.decode(out.stdout));
}

async function started(): Promise<TestDaemon> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-dsn-" });
  await Deno.chmod(home, 0o755);
  await Deno.writeTextFile(
    join(home, "aliases"),
    `gone: "|/bin/sh -c 'echo no such user here; exit 67'"\n`,
  );
  return await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      "2bounce_notice_recipient": "pm@localhost",
    },
  });
}

Deno.test("NOTIFY=SUCCESS,FAILURE with ORCPT: a success notice and a bounce reach the sender", async () => {
  const daemon = await started();
  try {
    const id = await send(daemon, "sender@localhost", [
      "RET=HDRS",
      "ENVID=QQ+2B314159",
    ], [
      ["bob@localhost", [
        "NOTIFY=SUCCESS,FAILURE",
        "ORCPT=rfc822;Bob+2Btag@Example.TEST",
      ]],
      ["gone@localhost", [
        "NOTIFY=SUCCESS,FAILURE",
        "ORCPT=rfc822;gone@localhost",
      ]],
    ]);
    const [first, second] = await reports(
      join(daemon.home, "mail", "sender"),
      2,
    );
    const success = [first, second].find((r) => /Successful/.test(r.subject))!;
    const bounce = [first, second].find((r) => /Undelivered/.test(r.subject))!;
    assert.ok(success && bounce, JSON.stringify([first, second]));

    for (const report of [success, bounce]) {
      assert.equal(report.type, "multipart/report");
      assert.equal(report.report_type, "delivery-status");
      assert.equal(report.return_path, "<>");
      assert.equal(report.to, "<sender@localhost>");
      assert.deepEqual(report.parts, [
        "text/plain",
        "message/delivery-status",
        "text/rfc822-headers",
      ], "RET=HDRS: headers only");
      assert.match(report.returned!, /Subject: dsn test/);
      assert.doesNotMatch(report.returned!, /keeps home/);
      assert.equal(report.message["Original-Envelope-Id"], "QQ+314159");
      assert.equal(report.message["Reporting-MTA"], "dns; mx.example.test");
      assert.ok(report.message["Arrival-Date"]);
      assert.equal(report.message["X-Mailsrv-Queue-ID"], id);
    }
    assert.deepEqual(success.recipients, [{
      "Original-Recipient": "rfc822; Bob+tag@Example.TEST",
      "Final-Recipient": "rfc822; bob@localhost",
      "Action": "delivered",
      "Status": "2.0.0",
      "Diagnostic-Code": "X-Postfix; delivered to maildir",
    }]);
    assert.equal(bounce.recipients.length, 1);
    assert.deepEqual(
      {
        ...bounce.recipients[0],
        "Diagnostic-Code": bounce.recipients[0]["Diagnostic-Code"].slice(0, 10),
      },
      {
        "Original-Recipient": "rfc822; gone@localhost",
        "Final-Recipient": "rfc822; gone@localhost",
        "Action": "failed",
        "Status": "5.1.1",
        "Diagnostic-Code": "X-Postfix;",
      },
    );
    assert.match(bounce.recipients[0]["Diagnostic-Code"], /no such user here/);
    assert.equal(
      (await listFiles(join(daemon.home, "mail", "bob", "new"))).length,
      1,
      "bob has the message",
    );
    assert.match(
      daemon.log(),
      new RegExp(`${id}: sender delivery status notification: `),
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("NOTIFY=NEVER gets no bounce; null-sender mail that fails goes to the postmaster", async () => {
  const daemon = await started();
  try {
    const quiet = await send(daemon, "sender@localhost", [], [
      ["gone@localhost", ["NOTIFY=NEVER"]],
    ]);
    const bounce = await send(daemon, "", [], [["gone@localhost", []]]);
    const [copy] = await reports(join(daemon.home, "mail", "pm"), 1);
    assert.equal(copy.subject, "Postmaster Copy: Undelivered Mail");
    assert.equal(copy.return_path, "<double-bounce@mx.example.test>");
    assert.equal(copy.to, "<pm@localhost>");
    assert.equal(
      copy.recipients[0]["Final-Recipient"],
      "rfc822; gone@localhost",
    );
    assert.equal(copy.recipients[0].Action, "failed");
    assert.match(
      daemon.log(),
      new RegExp(`${bounce}: postmaster non-delivery notification: `),
    );
    await waitFor(
      "the quiet message to be done",
      () => daemon.log().includes(`${quiet}: removed`) || undefined,
    );
    assert.ok(
      !daemon.log().includes(`${quiet}: sender non-delivery notification`),
      "NOTIFY=NEVER: no bounce",
    );
    assert.deepEqual(
      await listFiles(join(daemon.home, "mail", "sender", "new")),
      [],
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});
