/**
 * Issue 4 end to end: SMTP delivers to virtual users in two domains (an
 * mbox and a Maildir), and Python's poplib fetches over POP3 — sizes,
 * bytes, UIDLs, DELE/RSET/QUIT, the session lock and vm-pop3d logins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  mailsrvCommand,
  requireProgram,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));

interface Probe {
  welcome?: string;
  stat?: [number, number];
  list?: [string, string][];
  uidl?: [string, string][];
  messages?: string[];
  second?: string;
  quit?: string;
  error?: string;
}

async function probe(
  port: number,
  login: string,
  password: string,
  ...options: string[]
): Promise<Probe> {
  const out = await new Deno.Command("python3", {
    args: [PROBE, String(port), login, password, ...options],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`pop3_probe.py: ${dec.decode(out.stderr)}`);
  return JSON.parse(dec.decode(out.stdout));
}

async function withVirtualDaemon(
  fn: (daemon: TestDaemon, pop3: number) => Promise<void>,
  params: Record<string, string> = {},
) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-virtual-" });
  const setup = await virtualSetup(home);
  const pop3 = freePort();
  const daemon = await startDaemon({
    home,
    params: { ...setup.params, ...params },
    listeners: [{ kind: "pop3", port: pop3 }],
  });
  try {
    await fn(daemon, pop3);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
}

const BODY =
  "Hello,\r\nFrom here a line that needs quoting in mbox.\r\n.leading dot line\r\n..two dots\r\nbye";

Deno.test("SMTP to virtual users in two domains, then POP3 with poplib: sizes, bytes, UIDLs, DELE, RSET, lock", async () => {
  if (!requireProgram("htpasswd")) return;
  await withVirtualDaemon(async (daemon, pop3) => {
    const alice = await sendWithSmtplib(daemon.port, "s@example.test", [
      "alice@one.test",
    ], { count: 2 });
    const bob = await sendWithSmtplib(daemon.port, "s@example.test", [
      "Bob@TWO.test",
    ], { count: 2 });
    assert.deepEqual([...alice, ...bob].map((r) => r.code), [
      250,
      250,
      250,
      250,
    ]);
    const [unknown] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "carol@one.test",
    ]);
    assert.equal(unknown.code, 550);
    assert.match(unknown.reply, /^5\.1\.1 /);

    const first = await waitFor("two messages for bob", async () => {
      const p = await probe(pop3, "bob@two.test", "secret2");
      return p.stat?.[0] === 2 ? p : undefined;
    });
    assert.equal(
      first.stat![1],
      first.list!.reduce((sum, [, size]) => sum + Number(size), 0),
    );
    for (const [i, message] of first.messages!.entries()) {
      // poplib removes the byte-stuffing: the body is exactly what was sent.
      assert.ok(message.endsWith("\r\n\r\n" + BODY), message);
      assert.equal(
        message.length + 2,
        Number(first.list![i][1]),
        "LIST size is the CRLF octet count",
      );
      assert.match(
        message,
        /^Return-Path: <s@example\.test>\r\nDelivered-To: bob@two\.test\r\n/,
      );
    }
    const again = await probe(pop3, "bob%two.test", "secret2");
    assert.deepEqual(
      again.uidl,
      first.uidl,
      "UIDLs are stable, and vm-pop3d's % login works",
    );

    const mbox = await waitFor("two messages for alice", async () => {
      const p = await probe(pop3, "alice@one.test", "secret1");
      return p.stat?.[0] === 2 ? p : undefined;
    });
    assert.match(mbox.messages![0], /\r\n>From here a line/);
    assert.deepEqual(
      (await probe(pop3, "alice@one.test", "secret1")).uidl,
      mbox.uidl,
    );

    const busy = await probe(pop3, "alice@one.test", "secret1", "--second");
    assert.match(busy.second!, /^-ERR \[IN-USE\]/);

    const reset = await probe(
      pop3,
      "alice@one.test",
      "secret1",
      "--dele",
      "1",
      "--rset",
    );
    assert.match(reset.quit!, /^\+OK/);
    assert.equal(
      (await probe(pop3, "alice@one.test", "secret1")).stat![0],
      2,
      "RSET restored",
    );
    await probe(pop3, "alice@one.test", "secret1", "--dele", "1");
    const after = await probe(pop3, "alice@one.test", "secret1");
    assert.equal(after.stat![0], 1, "DELE + QUIT removed one");
    assert.deepEqual(after.uidl![0][1], mbox.uidl![1][1]);

    const wrong = await probe(pop3, "alice@one.test", "nope");
    assert.match(wrong.error!, /^-ERR \[AUTH\]/);
    assert.match(
      daemon.log(),
      /mailsrv\/pop3d\[\d+\]: login: user=<alice@one\.test>, ip=\[127\.0\.0\.1\]/,
    );
  });
});

// The window's end is a matter of time, tested with an injected clock in
// tests/unit/policy/pop_before_smtp_test.ts; here the window is long.
Deno.test("pop-before-smtp: relay from 127.0.0.2 only after a POP3 login from there", async () => {
  if (!requireProgram("htpasswd")) return;
  await withVirtualDaemon(async (daemon, pop3) => {
    const relay = () =>
      sendWithSmtplib(daemon.port, "bob@two.test", ["friend@remote.example"], {
        source: "127.0.0.2",
      });
    assert.equal((await relay())[0].code, 554);
    const login = await probe(
      pop3,
      "bob@two.test",
      "secret2",
      "--source",
      "127.0.0.2",
    );
    assert.equal(login.error, undefined, login.error);
    assert.equal((await relay())[0].code, 250);
  }, {
    mynetworks: "127.0.0.1/32",
    smtpd_relay_restrictions:
      "permit_mynetworks, permit_pop_before_smtp, reject_unauth_destination",
    pop_before_smtp_window: "30m",
  });
});

Deno.test("mailsrv pop3 --inetd serves one session on stdin/stdout", async () => {
  if (!requireProgram("htpasswd")) return;
  await withVirtualDaemon(async (daemon) => {
    const [sent] = await sendWithSmtplib(daemon.port, "s@example.test", [
      "bob@two.test",
    ]);
    assert.equal(sent.code, 250);
    await waitFor("delivery", async () => {
      try {
        for await (
          const _ of Deno.readDir(
            join(daemon.home, "virtual", "two.test", "bob", "new"),
          )
        ) return true;
      } catch {
        return undefined;
      }
      return undefined;
    });
    const [cmd, ...args] = mailsrvCommand([
      "pop3",
      "--inetd",
      "--config",
      daemon.configPath,
    ]);
    const child = new Deno.Command(cmd, {
      args,
      env: { TCPREMOTEIP: "127.0.0.1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(
      new TextEncoder().encode(
        "CAPA\r\nUSER bob@two.test\r\nPASS secret2\r\nSTAT\r\nQUIT\r\n",
      ),
    );
    await w.close();
    const out = await child.output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^\+OK /);
    assert.match(text, /\r\nUIDL\r\n/);
    assert.match(text, /\r\n\+OK 1 \d+\r\n/);
    assert.match(text, /\+OK[^\r]*\r\n$/);
  });
});
