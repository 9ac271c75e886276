/**
 * SpamAssassin as a pipe(8) content filter, FILTER_README's "simple"
 * way: `content_filter = spamfilter:` names a pipe transport running
 * spamc as `nobody`, and spamc hands its output to a program that
 * reinjects it by SMTP (swaks here; `mailsrv sendmail` in a real setup)
 * on the reinjection listener, whose content_filter is empty. spamd runs
 * offline (`-L`: local tests only, Debian's shipped rules). The GTUBE
 * message arrives flagged as spam, a plain one as not; each is delivered
 * once.
 *
 * Needs spamd, spamc and swaks (.ci/run installs them) and root (spamd
 * runs its children as nobody).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  haveProgram,
  listFiles,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";

const GTUBE =
  "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

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
}

/** Where a program is, for argv (which needs an absolute path). */
function pathOf(program: string): string {
  const out = new Deno.Command("sh", {
    args: ["-c", `command -v ${program}`],
    stdout: "piped",
  }).outputSync();
  return new TextDecoder().decode(out.stdout).trim();
}

const ready = Deno.uid() === 0 && requireProgram("spamd") &&
  requireProgram("spamc") && requireProgram("swaks");
if (Deno.uid() !== 0 && haveProgram("spamd")) {
  console.warn("SKIPPED: spamd as a filter needs root here");
}

Deno.test({
  name:
    "spamc through a pipe transport as content filter, reinjected by SMTP: GTUBE flagged, plain mail not",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const spamdPort = freePort();
  const reinject = freePort();
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-spamd-" });
  const spamd = new Deno.Command(pathOf("spamd"), {
    args: [
      "-L",
      "-i",
      "127.0.0.1",
      "-p",
      String(spamdPort),
      "--max-children",
      "2",
      "-u",
      "nobody",
      "--nouser-config",
      "-s",
      "stderr",
      "--pidfile",
      join(dir, "spamd.pid"),
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  let daemon;
  try {
    await waitFor("spamd", async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: spamdPort }))
          .close();
        return true;
      } catch {
        return undefined;
      }
    });
    daemon = await startDaemon({
      home,
      params: { content_filter: "spamfilter:" },
      listeners: [{
        kind: "smtp",
        port: reinject,
        settings: {
          content_filter: "",
          receive_override_options: "no_unknown_recipient_checks",
          smtpd_recipient_restrictions: "permit_mynetworks, reject",
          mynetworks: "127.0.0.0/8",
        },
      }],
      extraToml: [
        "[[transport]]",
        'name = "spamfilter"',
        'kind = "pipe"',
        'flags = "q"',
        'user = "nobody"',
        `argv = "${pathOf("spamc")} -d 127.0.0.1 -p ${spamdPort} -e ${
          pathOf("swaks")
        } --silent 2 --server 127.0.0.1:${reinject} --from \${sender} --to \${recipient} --data -"`,
      ].join("\n"),
    });
    await swaks(daemon.port, "plain", "lunch at noon?");
    await swaks(daemon.port, "spam", GTUBE);
    const maildir = join(home, "mail", "bob", "new");
    const messages = await waitFor("both messages, filtered", async () => {
      const files = await listFiles(maildir).catch(() => []);
      if (files.length < 2) return undefined;
      return await Promise.all(
        files.map((f) => Deno.readTextFile(join(maildir, f))),
      );
    });
    const bySubject = new Map(
      messages.map((m) => [/^Subject: (.*)$/m.exec(m)?.[1], m]),
    );
    assert.match(bySubject.get("spam") ?? "", /^X-Spam-Flag: YES$/m);
    assert.match(bySubject.get("spam") ?? "", /^X-Spam-Status: Yes, .*GTUBE/m);
    assert.match(bySubject.get("plain") ?? "", /^X-Spam-Status: No,/m);
    assert.doesNotMatch(bySubject.get("plain") ?? "", /^X-Spam-Flag: YES/m);
    assert.match(
      daemon.log(),
      /relay=spamfilter, .*status=sent \(delivered via spamfilter service\)/,
    );
    assert.equal((await listFiles(maildir)).length, 2, "each once, no loop");
  } finally {
    await daemon?.stop();
    try {
      spamd.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await spamd.status;
    await Deno.remove(dir, { recursive: true });
  }
});
