/**
 * Interop with fetchmail (Debian): it downloads a virtual user's mail from
 * mailsrv over plain POP3 on loopback and over STLS, and deletes it.
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
import { sendWithSmtplib } from "../helpers/mail.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

async function fetchmail(
  home: string,
  rc: string,
): Promise<{ code: number; out: string }> {
  const rcfile = join(home, "fetchmailrc");
  await Deno.writeTextFile(rcfile, rc);
  await Deno.chmod(rcfile, 0o600);
  const r = await new Deno.Command("fetchmail", {
    args: ["-f", rcfile, "--nosyslog", "-v"],
    env: { HOME: home, FETCHMAILHOME: home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

for (const mode of ["plain", "stls"] as const) {
  Deno.test(`fetchmail downloads and deletes over ${mode === "plain" ? "plain POP3" : "STLS"}`, async () => {
    if (
      !requireProgram("fetchmail") || !requireProgram("htpasswd") ||
      !requireProgram("openssl")
    ) return;
    const home = await Deno.makeTempDir({ prefix: "mailsrv-fetchmail-" });
    const setup = await virtualSetup(home);
    const certs = await makeTestCertificates(home);
    const pop3 = freePort();
    const daemon = await startDaemon({
      home,
      params: {
        ...setup.params,
        ...(mode === "stls"
          ? {
            pop3_tls_cert_file: certs.certFile,
            pop3_tls_key_file: certs.keyFile,
            pop3_plaintext_logins: "never",
          }
          : {}),
      },
      listeners: [{ kind: "pop3", port: pop3 }],
    });
    try {
      const sent = await sendWithSmtplib(daemon.port, "s@example.test", [
        "bob@two.test",
      ], { count: 3 });
      assert.deepEqual(sent.map((r) => r.code), [250, 250, 250]);
      const maildir = join(home, "virtual", "two.test", "bob", "new");
      await waitFor(
        "delivery",
        async () => (await listFiles(maildir)).length === 3 || undefined,
      );
      const out = join(home, "fetched.mbox");
      const tls = mode === "stls"
        ? `sslproto "tls1.2+" sslcertck sslcertfile "${certs.caFile}" sslcommonname "localhost"`
        : `sslproto ""`;
      const r = await fetchmail(
        home,
        `set no syslog
poll 127.0.0.1 service ${pop3} protocol pop3 auth password
  user "bob@two.test" there with password "secret2" is "root" here
  mda "/bin/sh -c 'cat >> ${out}'"
  fetchall nokeep ${tls}
`,
      );
      assert.equal(r.code, 0, r.out);
      if (mode === "stls") assert.match(r.out, /STLS/);
      const fetched = await Deno.readTextFile(out);
      for (const s of sent) {
        assert.ok(
          fetched.includes(`test ${s.token}`),
          `message ${s.token} not fetched`,
        );
      }
      assert.deepEqual(
        await listFiles(maildir),
        [],
        "fetchmail's deletions were not applied",
      );
      assert.deepEqual(
        await listFiles(join(home, "virtual", "two.test", "bob", "cur")),
        [],
      );
    } finally {
      await daemon.stop();
      await Deno.remove(home, { recursive: true });
    }
  });
}
