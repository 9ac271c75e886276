/**
 * Issue 18: every role end to end, run as the release binary runs (the
 * permission set and flags of deno.json, each role in its own sandboxed
 * thread) and as an unprivileged user (`nobody` when the tests run as
 * root): mail received over SMTP is delivered to a local mbox, to a
 * virtual Maildir fetched over POP3, and relayed to Postfix's smtp-sink —
 * with no call denied by any thread's sandbox.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  requireProgram,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));
const NOBODY = 65534;

/** The files of `dir`, or none while it does not exist. */
async function filesOf(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}

/** `chown -R` of `path` to nobody. */
async function giveToNobody(path: string): Promise<void> {
  const r = await new Deno.Command("chown", {
    args: ["-R", `${NOBODY}:${NOBODY}`, path],
  }).output();
  assert.ok(r.success, "chown");
}

/**
 * Whether nobody can run Deno and read the checkout (a clone under a
 * private home cannot be reached: the daemon then runs as root).
 */
async function nobodyReaches(deno: string, checkout: string): Promise<boolean> {
  const r = await new Deno.Command("setpriv", {
    args: [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "sh",
      "-c",
      'test -x "$1" && test -r "$2/main.ts" && test -r "$2/src/cli/main.ts"',
      "sh",
      deno,
      checkout,
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  return r.success;
}

/** The user a process runs as, from /proc. */
async function processUid(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

Deno.test("as an unprivileged user, every role in its sandbox: SMTP in, local and virtual delivery, relay to smtp-sink, POP3 out", async () => {
  if (!requireProgram("htpasswd") || !requireProgram("smtp-sink")) return;
  const asRoot = Deno.uid() === 0;
  if (asRoot && !requireProgram("setpriv")) return;
  const checkout = fromFileUrl(new URL("../..", import.meta.url));
  const dropped = asRoot && await nobodyReaches(Deno.execPath(), checkout);
  if (asRoot && !dropped) {
    console.warn(
      `nobody cannot reach ${checkout}: the daemon runs as root in this test`,
    );
  }
  const home = await Deno.makeTempDir({ prefix: "mailsrv-nonroot-" });
  await Deno.chmod(home, 0o755);
  const dumps = join(home, "sink");
  await Deno.mkdir(dumps, { mode: 0o777 });
  const setup = await virtualSetup(home);
  const uid = asRoot ? NOBODY : Deno.uid()!;
  const gid = asRoot ? NOBODY : Deno.gid()!;
  const sinkPort = freePort();
  const pop3 = freePort();
  const sink = new Deno.Command("smtp-sink", {
    args: [
      ...(asRoot ? ["-u", "nobody"] : []),
      "-d",
      `${dumps}/%M.`,
      `127.0.0.1:${sinkPort}`,
      "10",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let daemon: TestDaemon | undefined;
  try {
    if (asRoot) {
      // The checkout's node_modules is filled by root first: nobody cannot
      // write it (a packaged binary carries its modules).
      const install = await new Deno.Command(Deno.execPath(), {
        args: ["install", "--quiet"],
        cwd: checkout,
        stdout: "null",
      }).output();
      assert.ok(install.success, "deno install");
      // The queue, the mail spool and the mailboxes belong to the user
      // mailsrv runs as, as they would on a box run without root.
      await Deno.mkdir(join(home, "mail"), { mode: 0o755 });
      await giveToNobody(home);
    }
    daemon = await startDaemon({
      home,
      params: {
        ...setup.params,
        mydestination: "localhost",
        virtual_uid_maps: `static:${uid}`,
        virtual_gid_maps: `static:${gid}`,
        relayhost: `[127.0.0.1]:${sinkPort}`,
        smtp_tls_security_level: "none",
      },
      listeners: [{ kind: "pop3", port: pop3 }],
      through: dropped
        ? {
          command: [
            "setpriv",
            `--reuid=${NOBODY}`,
            `--regid=${NOBODY}`,
            "--clear-groups",
          ],
          // Deno keeps its compile cache under HOME; nobody's is not writable.
          env: {
            HOME: home,
            DENO_DIR: join(home, ".deno"),
            PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          },
        }
        : undefined,
    });
    assert.equal(
      await processUid(daemon.process.pid) !== 0,
      dropped || !asRoot,
      "runs as nobody",
    );

    const local = asRoot ? "nobody" : Deno.env.get("USER") ?? "nobody";
    const results = await sendWithSmtplib(daemon.port, "sender@example.org", [
      `${local}@localhost`,
      "bob@two.test",
      "carol@far.example",
    ], { body: "one message, three roles\n" });
    assert.deepEqual(results.map((r) => r.code), [250]);

    // Local delivery: the spool (a Maildir: mail_spool_directory ends in /).
    const spool = join(home, "mail", local);
    const delivered = await waitFor("the local delivery", async () => {
      const messages = await readMailbox("maildir", spool).catch(() => []);
      return messages.length === 1 ? messages : undefined;
    });
    assert.match(delivered[0].body ?? "", /one message, three roles/);

    // The SMTP client's thread: relayed to smtp-sink.
    const dump = await waitFor(
      "the relayed copy",
      async () => (await filesOf(dumps))[0],
    );
    await waitFor(
      "the relay's status",
      () =>
        /to=<carol@far\.example>.*status=sent/.test(daemon!.log()) || undefined,
    );
    assert.match(
      await Deno.readTextFile(join(dumps, dump)),
      /^X-Rcpt-Args: <carol@far\.example>/m,
    );

    // Virtual delivery, then pop3d's thread.
    const out = await waitFor("bob's message over POP3", async () => {
      const r = await new Deno.Command("python3", {
        args: [PROBE, String(pop3), "bob@two.test", "secret2"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!r.success) return undefined;
      const probe = JSON.parse(new TextDecoder().decode(r.stdout));
      return probe.stat?.[0] === 1 ? probe : undefined;
    });
    assert.match(out.messages[0], /one message, three roles/);

    assert.doesNotMatch(daemon.log(), /denied by the mailsrv sandbox/);
    assert.doesNotMatch(daemon.log(), /NotCapable|Requires .* access/);
  } finally {
    console.log("LOG", daemon?.log());
    await daemon?.stop();
    sink.kill("SIGTERM");
    await sink.status;
    await Deno.remove(home, { recursive: true });
  }
});
