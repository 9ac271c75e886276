/**
 * `mailsrv pop3 --inetd` under Debian's openbsd-inetd and xinetd, as the
 * README sets them up: Python's poplib logs in over 127.0.0.1 with a
 * plaintext USER/PASS (allowed: the client is on loopback, found from the
 * socket on stdin) and over STLS (offered: a certificate is configured).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  mailsrvCommand,
  requireProgram,
  waitFor,
} from "../helpers/daemon.ts";
import {
  openbsdInetdPath,
  processesMentioning,
  startOpenbsdInetd,
  startXinetd,
  type SuperServer,
} from "../helpers/super_servers.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));

interface Probe {
  welcome?: string;
  stat?: [number, number];
  messages?: string[];
  quit?: string;
  error?: string;
}

async function probe(port: number, ...options: string[]): Promise<Probe> {
  const out = await new Deno.Command("python3", {
    args: [PROBE, String(port), "bob@two.test", "secret2", ...options],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`pop3_probe.py: ${dec.decode(out.stderr)}`);
  return JSON.parse(dec.decode(out.stdout));
}

/** openbsd-inetd's binary; undefined (skip) only outside CI. */
function requireOpenbsdInetd(): string | undefined {
  const path = openbsdInetdPath();
  if (path !== undefined) return path;
  if (Deno.env.get("CI") === "true") {
    throw new Error(
      "openbsd-inetd is required in CI (.ci/run unpacks it into /opt/openbsd-inetd)",
    );
  }
  console.warn(
    "SKIPPED: openbsd-inetd is not installed or unpacked in /opt/openbsd-inetd",
  );
  return undefined;
}

type Start = (
  dir: string,
  port: number,
  command: string[],
) => Promise<SuperServer>;

/** A virtual user with one message, a certificate, and mailsrv.toml. */
async function pop3Home(home: string): Promise<string> {
  const setup = await virtualSetup(home);
  const certs = await makeTestCertificates(home);
  const maildir = join(setup.base, "two.test", "bob");
  for (const sub of ["new", "cur", "tmp"]) {
    await Deno.mkdir(join(maildir, sub), { recursive: true });
  }
  await Deno.writeTextFile(
    join(maildir, "new", "1700000000.M1P1.test"),
    "From: s@example.test\nSubject: over inetd\n\nHello from inetd\n",
  );
  const params: Record<string, string> = {
    myhostname: "mx.example.test",
    queue_directory: join(home, "queue"),
    maillog_file: join(home, "maillog"),
    ...setup.params,
    pop3_tls_cert_file: certs.certFile,
    pop3_tls_key_file: certs.keyFile,
  };
  const configPath = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    configPath,
    Object.entries(params).map(([k, v]) => `${k} = ${JSON.stringify(v)}\n`)
      .join(""),
  );
  return configPath;
}

async function underSuperServer(start: Start): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-inetd-" });
  const configPath = await pop3Home(home);
  const port = freePort();
  const server = await start(
    home,
    port,
    mailsrvCommand(["pop3", "--inetd", "--config", configPath]),
  );
  try {
    const plain = await probe(port);
    assert.equal(plain.error, undefined, await server.log());
    assert.match(plain.welcome!, /^\+OK mx\.example\.test POP3 server ready/);
    assert.equal(plain.stat![0], 1);
    assert.match(plain.messages![0], /\r\n\r\nHello from inetd$/);
    assert.match(plain.quit!, /^\+OK/);

    const caFile = join(home, "ca.pem");
    const stls = await probe(port, "--stls", caFile);
    assert.equal(stls.error, undefined, await server.log());
    assert.equal(stls.stat![0], 1);

    const maillog = await waitFor("two logins in the maillog", async () => {
      const text = await Deno.readTextFile(join(home, "maillog"));
      const logins = text.match(/login: user=<bob@two\.test>/g) ?? [];
      return logins.length === 2 ? text : undefined;
    });
    assert.match(maillog, /connect from localhost\[127\.0\.0\.1\]/);
    assert.doesNotMatch(maillog, /unknown\[unknown\]/);
  } finally {
    await server.stop();
    // Sessions end at QUIT; none may outlive the test.
    await waitFor(
      "no mailsrv process left",
      async () => (await processesMentioning(configPath)).length === 0,
    );
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("pop3 --inetd under openbsd-inetd: plaintext login from loopback, and STLS", async () => {
  if (!requireProgram("htpasswd") || !requireProgram("openssl")) return;
  const inetd = requireOpenbsdInetd();
  if (inetd === undefined) return;
  await underSuperServer((dir, port, command) =>
    startOpenbsdInetd(inetd, dir, port, command)
  );
});

Deno.test("pop3 --inetd under xinetd: plaintext login from loopback, and STLS", async () => {
  if (
    !requireProgram("htpasswd") || !requireProgram("openssl") ||
    !requireProgram("xinetd")
  ) return;
  await underSuperServer(startXinetd);
});
