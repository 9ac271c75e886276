/**
 * header_checks, mime_header_checks and body_checks through a running
 * daemon: REJECT at end of data with nothing queued, HOLD into hold/,
 * WARN logged in Postfix's shape, IGNORE/PREPEND/REPLACE in the
 * delivered message, BCC delivered, an attachment refused by its name,
 * a body line refused; a pattern that may take exponential time refused
 * at load with its file and line, a polynomial one bounded while another
 * session is served; a listener with no_header_body_checks skips them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  listFiles,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One SMTP transaction over a raw socket; the reply to the final dot. */
async function send(
  port: number,
  recipients: readonly string[],
  message: string,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let pending = "";
  const buffer = new Uint8Array(8192);
  const reply = async (): Promise<string> => {
    for (let reads = 0; reads < 1000; reads++) {
      const match = /^(\d{3}) .*\r\n/m.exec(pending);
      if (match) {
        const end = match.index + match[0].length;
        const text = pending.slice(0, end);
        pending = pending.slice(end);
        return text.trim().split("\r\n").at(-1)!;
      }
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection closed after "${pending}"`);
      pending += decoder.decode(buffer.subarray(0, n));
    }
    throw new Error("no reply");
  };
  const command = async (line: string) => {
    await conn.write(encoder.encode(line + "\r\n"));
    return await reply();
  };
  try {
    assert.match(await reply(), /^220 /);
    assert.match(await command("HELO client.example"), /^250 /);
    assert.match(await command("MAIL FROM:<alice@localhost>"), /^250 /);
    for (const r of recipients) {
      assert.match(await command(`RCPT TO:<${r}>`), /^250 /);
    }
    assert.match(await command("DATA"), /^354 /);
    const body = message.replace(/\n/g, "\r\n").replace(/^\./gm, "..");
    return await command(body + ".");
  } finally {
    conn.close();
  }
}

const HEADER_CHECKS = `# header_checks
/^Subject: .*reject me/            REJECT no thanks
/^Subject: .*hold me/              HOLD
/^Subject: (.*warn me.*)/          WARN seen $1
/^X-Strip:/                        IGNORE
/^Subject: .*prepend me/           PREPEND X-Tag: prepended
/^Subject: (.*replace me)/         REPLACE Subject: [tagged] $1
/^Subject: .*bcc me/               BCC archive@localhost
/^X-Slow: (a+)+$/                  REJECT never loaded
/^X-Poly: .*a.*a.*a.*a.*a.*b$/     REJECT never matches
`;

function message(subject: string, extra = "", body = "Hello.\n"): string {
  return `From: alice@localhost\nTo: bob@localhost\nSubject: ${subject}\n${extra}\n${body}`;
}

Deno.test("header and body checks act on messages received by the daemon", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const headerChecks = join(home, "header_checks");
  await Deno.writeTextFile(headerChecks, HEADER_CHECKS);
  await Deno.writeTextFile(
    join(home, "mime_header_checks"),
    '/^Content-(Type|Disposition):.*name="?[^"]*\\.exe"?/ REJECT exe not accepted\n',
  );
  await Deno.writeTextFile(
    join(home, "body_checks"),
    "/^bad body line$/ REJECT body refused\n",
  );
  const reinject = freePort();
  const daemon = await startDaemon({
    home,
    params: {
      header_checks: `regexp:${headerChecks}`,
      mime_header_checks: `regexp:${join(home, "mime_header_checks")}`,
      body_checks: `pcre:${join(home, "body_checks")}`,
    },
    listeners: [{
      kind: "smtp",
      port: reinject,
      settings: { receive_override_options: "no_header_body_checks" },
    }],
  });
  const mail = join(home, "mail");
  const queue = daemon.queueDirectory;
  const newMail = (user: string) =>
    listFiles(join(mail, user, "new")).catch(() => []);
  const read = async (user: string) =>
    await Promise.all(
      (await newMail(user)).map((f) =>
        Deno.readTextFile(join(mail, user, "new", f))
      ),
    );
  try {
    // REJECT: refused at the end of data, nothing queued.
    assert.equal(
      await send(daemon.port, ["bob@localhost"], message("please reject me")),
      "550 5.7.1 no thanks",
    );
    assert.match(
      daemon.log(),
      /cleanup\[\d+\]: \w+: reject: header Subject: please reject me from localhost\[127\.0\.0\.1\]; from=<alice@localhost> to=<bob@localhost> proto=SMTP helo=<client\.example>: 5\.7\.1 no thanks/,
    );
    assert.deepEqual(await listFiles(join(queue, "incoming")), []);
    assert.deepEqual(await listFiles(join(queue, "tmp")), []);

    // The pathological pattern was refused when the table was read.
    assert.match(
      daemon.log(),
      new RegExp(
        `warning: "${headerChecks}", line 9: pattern may take exponential time`,
      ),
    );

    // An attachment's name (mime_header_checks), a body line (body_checks).
    const attachment = message(
      "files",
      'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n',
      '--b1\nContent-Type: text/plain\n\nsee attached\n--b1\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="setup.exe"\n\nTVqQ\n--b1--\n',
    );
    assert.equal(
      await send(daemon.port, ["bob@localhost"], attachment),
      "550 5.7.1 exe not accepted",
    );
    assert.equal(
      await send(
        daemon.port,
        ["bob@localhost"],
        message("fine", "", "first\nbad body line\nlast\n"),
      ),
      "550 5.7.1 body refused",
    );

    // HOLD: accepted, waits in hold/.
    assert.match(
      await send(daemon.port, ["bob@localhost"], message("hold me")),
      /^250 2\.0\.0 Ok: queued as \w+/,
    );
    assert.equal((await listFiles(join(queue, "hold"))).length, 1);

    // WARN, IGNORE, PREPEND, REPLACE, BCC: delivered as changed.
    for (
      const subject of ["warn me", "prepend me", "replace me", "bcc me"]
    ) {
      assert.match(
        await send(
          daemon.port,
          ["bob@localhost"],
          message(subject, "X-Strip: secret\n"),
        ),
        /^250 /,
        subject,
      );
    }
    assert.match(
      daemon.log(),
      /: warning: header Subject: warn me from localhost\[127\.0\.0\.1\]; from=<alice@localhost> to=<bob@localhost> proto=SMTP helo=<client\.example>: seen warn me/,
    );
    await waitFor(
      "four messages for bob, one for archive",
      async () =>
        (await newMail("bob")).length === 4 &&
          (await newMail("archive")).length === 1
          ? true
          : undefined,
    );
    const bob = await read("bob");
    assert.ok(bob.every((m) => !m.includes("X-Strip")), "X-Strip removed");
    assert.ok(
      bob.some((m) => /^X-Tag: prepended\nSubject: prepend me$/m.test(m)),
    );
    assert.ok(bob.some((m) => /^Subject: \[tagged\] replace me$/m.test(m)));
    const [archived] = await read("archive");
    assert.match(archived, /^Subject: bcc me$/m);

    // A listener with no_header_body_checks takes what port 25 refuses.
    assert.match(
      await send(reinject, ["carol@localhost"], message("reject me")),
      /^250 /,
    );

    // A polynomial pattern on a 40 KB folded header is bounded: another
    // session is served meanwhile, and both get their replies.
    const long = "X-Poly: " + Array.from({ length: 40 }, () => "a".repeat(990))
      .join("\n ") +
      "\n";
    const slow = send(daemon.port, ["bob@localhost"], message("poly", long));
    const other = await send(daemon.port, ["bob@localhost"], message("other"));
    assert.match(other, /^250 /);
    assert.match(await slow, /^250 /);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
});
