/**
 * Interop with pflogsumm (Debian's Postfix log summariser) on a maillog
 * written by a real run of the daemon: received, delivered, deferred,
 * bounced and rejected counts and the per-domain tables, with
 * `--syslog-name=mailsrv` and, when syslog_name = postfix, with
 * pflogsumm's defaults.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  python,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

/** swaks from `sender` to `recipient`; its exit code. */
async function swaks(
  port: number,
  sender: string,
  recipient: string,
): Promise<number> {
  const out = await new Deno.Command("swaks", {
    args: [
      "--server",
      `127.0.0.1:${port}`,
      "--ehlo",
      "client.example",
      "--from",
      sender,
      "--to",
      recipient,
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

/** MAIL FROM with a SIZE= over the limit, from Python's smtplib. */
async function mailTooBig(port: number): Promise<string> {
  return await python(
    `import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo("big.example")
code, reply = s.mail("big@lists.example", ["SIZE=999999999"])
print(code)
s.quit()`,
    [String(port)],
  );
}

/**
 * A day of mail: a delivery, an alias of two, a list member bounced by a
 * loop (its notice delivered to the sender), a recipient deferred, one
 * refused at RCPT, one refused at MAIL for its size, and a message from
 * another domain. Returns the maillog.
 */
async function dayOfMail(syslogName: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-pflogsumm-" });
  await Deno.writeTextFile(
    join(home, "aliases"),
    "team: bob, carol\n" +
      "loop1: loop2\nloop2: loop1\n" +
      "broken: :include:/nonexistent/list\n",
  );
  await Deno.writeTextFile(
    join(home, "recipients"),
    ["alice", "bob", "carol", "team", "loop1", "broken"]
      .map((u) => `${u} ok\n`).join(""),
  );
  const daemon = await startDaemon({
    home,
    params: {
      syslog_name: syslogName,
      alias_maps: `hash:${join(home, "aliases")}`,
      local_recipient_maps: `hash:${join(home, "recipients")}`,
      message_size_limit: 100_000,
    },
  });
  const maillog = join(home, "maillog");
  try {
    const port = daemon.port;
    assert.equal(await swaks(port, "alice@localhost", "bob@localhost"), 0);
    assert.equal(await swaks(port, "alice@localhost", "team@localhost"), 0);
    assert.notEqual(
      await swaks(port, "alice@localhost", "nosuch@localhost"),
      0,
    );
    assert.equal(await swaks(port, "alice@localhost", "loop1@localhost"), 0);
    assert.equal(await swaks(port, "alice@localhost", "broken@localhost"), 0);
    assert.equal((await mailTooBig(port)).trim(), "552");
    assert.equal(await swaks(port, "news@lists.example", "carol@localhost"), 0);
    // bob, team's two, loop1, its notice to alice, broken, carol.
    await waitFor("seven delivery lines", async () => {
      const text = await Deno.readTextFile(maillog);
      return (text.match(/, status=/g) ?? []).length >= 7 || undefined;
    });
  } finally {
    await daemon.stop();
  }
  const text = await Deno.readTextFile(maillog);
  await Deno.remove(home, { recursive: true });
  return text;
}

/** Runs pflogsumm with `args` on `log`; its report. */
async function pflogsumm(log: string, args: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "maillog");
    await Deno.writeTextFile(path, log);
    const out = await new Deno.Command("pflogsumm", {
      args: [...args, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert.ok(out.success, dec.decode(out.stderr));
    return dec.decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The number before `label` in the report's Grand Totals. */
function total(report: string, label: string): number {
  const m = report.match(new RegExp(`^ +(\\d+) +${label}\\b`, "m"));
  assert.ok(m, `no "${label}" total in:\n${report}`);
  return Number(m[1]);
}

/** The rows of one section, from its title to the next blank line. */
function section(report: string, title: string): string[] {
  const start = report.indexOf(`${title} \n`) >= 0
    ? report.indexOf(`${title} \n`)
    : report.indexOf(`${title}\n`);
  assert.ok(start >= 0, `no "${title}" section in:\n${report}`);
  const rest = report.slice(start).split("\n").slice(2);
  const end = rest.findIndex((line) => line.trim() === "");
  return rest.slice(0, end).map((line) => line.trim().replace(/ +/g, " "));
}

function assertSummary(report: string): void {
  assert.equal(total(report, "received"), 5, report);
  assert.equal(total(report, "delivered"), 5, report);
  assert.equal(total(report, "forwarded"), 0, report);
  assert.equal(total(report, "deferred"), 1, report);
  assert.equal(total(report, "bounced"), 1, report);
  assert.equal(total(report, "rejected"), 2, report);
  assert.match(report, /^ +2 +rejected \(28%\)$/m);
  assert.equal(total(report, "senders"), 2, report);
  assert.equal(total(report, "recipients"), 3, report);

  // Per domain: sent count, bytes, defers, delays, the domain.
  const delivery = section(report, "Host/Domain Summary: Message Delivery");
  assert.equal(delivery.length, 3, delivery.join("\n"));
  assert.match(delivery[2], /^5 \d+ 1 [\d.]+ [smh] [\d.]+ [smh] localhost$/);
  const received = section(report, "Host/Domain Summary: Messages Received");
  assert.deepEqual(
    received.slice(2).map((row) => row.replace(/^(\d+) \d+ /, "$1 ")),
    ["4 localhost", "1 lists.example"],
  );
  assert.deepEqual(section(report, "Recipients by message count"), [
    "2 bob@localhost",
    "2 carol@localhost",
    "1 alice@localhost",
  ]);
  const rejects = section(report, "message reject detail").join("\n");
  assert.match(rejects, /RCPT\nRecipient address rejected: User unknown/);
  assert.match(rejects, /nosuch@localhost/);
  // pflogsumm 1.1.5 keeps the enhanced code of a MAIL reject, as it does
  // for Postfix's own line.
  assert.match(rejects, /MAIL\n5\.3\.4 Message size exceeds fixed limit/);
  assert.match(
    report,
    /message bounce detail \(by relay\)[^]*local[^]*mail forwarding loop/,
  );
  assert.match(report, /message deferral detail[^]*cannot read include file/);
}

Deno.test("pflogsumm --syslog-name=mailsrv summarises a day of mailsrv's maillog", async () => {
  if (!requireProgram("pflogsumm") || !requireProgram("swaks")) return;
  const log = await dayOfMail("mailsrv");
  assert.match(
    log,
    /^\w{3} [ \d]\d [\d:]{8} mx\.example\.test mailsrv\/smtpd\[/m,
  );
  // Each member of the alias has its own line, the alias as orig_to.
  assert.match(
    log,
    /: to=<carol@localhost>, orig_to=<team@localhost>, relay=local, .*status=sent/,
  );
  assertSummary(await pflogsumm(log, ["--syslog-name=mailsrv"]));
  // Without the option pflogsumm looks for "postfix/" and sees nothing.
  assert.equal(total(await pflogsumm(log), "received"), 0);
});

Deno.test("pflogsumm with its defaults reads mailsrv's maillog when syslog_name = postfix", async () => {
  if (!requireProgram("pflogsumm") || !requireProgram("swaks")) return;
  const log = await dayOfMail("postfix");
  assert.doesNotMatch(log, / mailsrv\//);
  assertSummary(await pflogsumm(log));
});
