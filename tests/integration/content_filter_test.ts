/**
 * An after-queue content filter round trip, the FILTER_README way: mail
 * received on the main listener goes to the `scan` transport (a private
 * Postfix that adds a header), which hands it back on the reinjection
 * listener (content_filter = "", permit_mynetworks, mynetworks
 * 127.0.0.0/8); XFORWARD carries the original client both ways. The
 * filtered message is delivered once, with the header, and is not
 * filtered again. With the filter down the message waits in deferred/
 * with the reason, and `mailsrv flush` delivers it through the filter
 * once it is back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  listFiles,
  requireProgram,
  runMailsrv,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { canRunPrivatePostfix } from "../helpers/private_postfix.ts";
import {
  FILTER_HEADER,
  startPostfixFilter,
} from "../helpers/postfix_filter.ts";

/** Sends one message with swaks, saying EHLO `helo`. */
async function swaks(port: number, to: string, subject: string, helo: string) {
  const out = await new Deno.Command("swaks", {
    args: [
      "--server",
      `127.0.0.1:${port}`,
      "--from",
      "alice@example.org",
      "--to",
      to,
      "--ehlo",
      helo,
      "--header",
      `Subject: ${subject}`,
      "--body",
      "hello through the filter",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `swaks failed:\n${text}`);
  assert.match(text, /<- {2}250 2\.0\.0 Ok: queued as/);
}

/** The delivered messages of `user`, by subject. */
async function delivered(
  mail: string,
  user: string,
): Promise<Map<string, string>> {
  const dir = join(mail, user, "new");
  const found = new Map<string, string>();
  for (const name of await listFiles(dir).catch(() => [])) {
    const text = await Deno.readTextFile(join(dir, name));
    const subject = /^Subject: (.*)$/m.exec(text)?.[1] ?? "";
    found.set(subject, text);
  }
  return found;
}

const skip = !canRunPrivatePostfix() || !requireProgram("swaks");
if (!canRunPrivatePostfix()) {
  console.warn("SKIPPED: a private Postfix needs root and postfix");
}

Deno.test({
  name:
    "content_filter: through the filter once, XFORWARD both ways, queued while the filter is down",
  ignore: skip,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const reinject = freePort();
  const filter = await startPostfixFilter(reinject);
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  let daemon;
  try {
    daemon = await startDaemon({
      home,
      params: {
        content_filter: `scan:[127.0.0.1]:${filter.port}`,
        // The test client is on loopback too: only the reinjection
        // listener trusts it.
        mynetworks: "192.0.2.0/24",
        smtpd_recipient_restrictions:
          "permit_mynetworks, reject_unauth_destination",
      },
      listeners: [{
        kind: "smtp",
        port: reinject,
        settings: {
          content_filter: "",
          smtpd_recipient_restrictions: "permit_mynetworks, reject",
          mynetworks: "127.0.0.0/8",
          smtpd_authorized_xforward_hosts: "127.0.0.0/8",
        },
      }],
      extraToml: [
        "[[transport]]",
        'name = "scan"',
        'kind = "smtp"',
        "maxproc = 4",
        "options = { smtp_send_xforward_command = true, disable_dns_lookups = true }",
      ].join("\n"),
    });
    const mail = join(home, "mail");

    // 1. Through the filter and back, once.
    await swaks(daemon.port, "bob@localhost", "first", "client.example");
    const first = await waitFor(
      "the filtered message in bob's Maildir",
      async () => (await delivered(mail, "bob")).get("first"),
    );
    assert.equal(
      first.split(FILTER_HEADER).length - 1,
      1,
      "the filter's header, once:\n" + first,
    );
    // The reinjection listener's Received: names the original client's
    // HELO (XFORWARD from the filter), not the filter's own.
    const top = /^Received: from (\S+)/m.exec(first)?.[1];
    assert.equal(top, "client.example", first);
    const postfixLog = await filter.log();
    // mailsrv sent XFORWARD to the filter: Postfix logs the forwarded
    // client and mailsrv's queue ID as orig_queue_id.
    assert.match(
      postfixLog,
      /client=localhost\[127\.0\.0\.1\], orig_queue_id=\w+, orig_client=localhost\[127\.0\.0\.1\]/,
    );
    assert.match(
      daemon.log(),
      /client=localhost\[127\.0\.0\.1\], orig_queue_id=\w+, orig_client=localhost\[127\.0\.0\.1\]/,
      "the reinjection listener took XFORWARD",
    );
    assert.match(
      daemon.log(),
      /to=<bob@localhost>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent/,
    );
    assert.equal(
      (postfixLog.match(/status=sent/g) ?? []).length,
      1,
      "the filter saw the message once (no loop)",
    );

    // 2. The filter is down: the message waits, with the reason.
    await filter.stop();
    await swaks(daemon.port, "bob@localhost", "second", "client.example");
    const deferred = join(daemon.queueDirectory, "deferred");
    const [id] = await waitFor(
      "the message in deferred/",
      async () => {
        const files = await listFiles(deferred);
        return files.length === 1 ? files : undefined;
      },
    );
    const reason = await Deno.readTextFile(
      join(daemon.queueDirectory, "defer", id),
    );
    assert.match(
      reason,
      new RegExp(
        `^bob@localhost: connect to .*:${filter.port}: .*refused`,
        "m",
      ),
    );
    assert.equal((await delivered(mail, "bob")).has("second"), false);

    // 3. Back again: a flush delivers it through the filter.
    await filter.start();
    const flush = await runMailsrv(["flush", "--config", daemon.configPath]);
    assert.equal(flush.code, 0, flush.stderr);
    const second = await waitFor(
      "the second message, filtered",
      async () => (await delivered(mail, "bob")).get("second"),
    );
    assert.ok(second.includes(FILTER_HEADER), second);
    assert.equal((await delivered(mail, "bob")).size, 2);
  } finally {
    await daemon?.stop();
    await filter.remove();
  }
});
