/**
 * mailsrv sends through a real Postfix smarthost that requires SASL over
 * STARTTLS (a private instance on loopback, Cyrus sasldb), as a home
 * server sends through its provider; the smarthost relays on to a
 * scripted server where the message is checked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireProgram, startDaemon, waitFor } from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";
import {
  canRunPrivatePostfix,
  startSmarthost,
} from "../helpers/private_postfix.ts";

Deno.test("a Postfix smarthost with SASL over STARTTLS takes mailsrv's mail; a wrong password defers", async () => {
  if (!requireProgram("saslpasswd2") || !requireProgram("postfix")) return;
  if (!canRunPrivatePostfix()) {
    if (Deno.env.get("CI") === "true") throw new Error("CI runs as root");
    console.warn("SKIPPED: a private Postfix needs root");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-smarthost-" });
  const certificates = await makeTestCertificates(dir);
  const final = await startFakeSmtpServer({});
  const smarthost = await startSmarthost({
    certificates,
    user: "jo@smarthost.test",
    password: "s3cret:with colon",
    relayhost: `[127.0.0.1]:${final.port}`,
  });
  const passwords = join(dir, "sasl_passwd");
  const daemon = await startDaemon({
    params: {
      relayhost: `[localhost]:${smarthost.port}`,
      smtp_host_lookup: "native",
      smtp_tls_security_level: "verify",
      smtp_tls_CAfile: certificates.caFile,
      smtp_sasl_auth_enable: "yes",
      smtp_sasl_password_maps: `hash:${passwords}`,
      // Each message on a fresh session, so the password change below is
      // tried (a cached session stays authenticated, as in Postfix).
      smtp_connection_cache_time_limit: "0s",
    },
  });
  try {
    await Deno.writeTextFile(
      passwords,
      `[localhost]:${smarthost.port}  jo@smarthost.test:s3cret:with colon\n`,
      { mode: 0o600 },
    );
    await sendWithSmtplib(daemon.port, "alice@localhost", ["bob@far.test"], {
      body: "through the smarthost\n",
    });
    await waitFor(
      "the relayed message",
      () => final.messages.length === 1 || undefined,
      30_000,
    );
    assert.deepEqual(final.messages[0].recipients, ["bob@far.test"]);
    assert.match(final.messages[0].data, /through the smarthost/);
    await waitFor(
      "the delivery line",
      () => /to=<bob@far\.test>.*status=sent/.test(daemon.log()) || undefined,
    );
    assert.match(
      daemon.log(),
      new RegExp(
        `Verified TLS connection established to localhost\\[127\\.0\\.0\\.1\\]:${smarthost.port}: TLSv1\\.[23] with cipher`,
      ),
    );
    assert.match(
      daemon.log(),
      new RegExp(
        `to=<bob@far\\.test>, relay=localhost\\[127\\.0\\.0\\.1\\]:${smarthost.port}, .*status=sent \\(250 2\\.0\\.0 Ok: queued as`,
      ),
    );
    const postfixLog = await smarthost.log();
    assert.match(
      postfixLog,
      /sasl_method=PLAIN, sasl_username=jo@smarthost\.test/,
    );
    assert.match(
      postfixLog,
      /Anonymous TLS connection established from localhost\[127\.0\.0\.1\]/,
    );

    // The provider changed the password: deferred, never bounced.
    await Deno.writeTextFile(
      passwords,
      `[localhost]:${smarthost.port}  jo@smarthost.test:old\n`,
    );
    // Tables are checked for changes at most once a second.
    await new Promise((resume) => setTimeout(resume, 1100));
    await sendWithSmtplib(daemon.port, "alice@localhost", ["carol@far.test"]);
    await waitFor(
      "the deferral",
      () =>
        /to=<carol@far\.test>.*status=deferred/.test(daemon.log()) || undefined,
      30_000,
    );
    assert.match(
      daemon.log(),
      /to=<carol@far\.test>.*dsn=4\.7\.8, status=deferred \(SASL authentication failed; server localhost\[127\.0\.0\.1\]:\d+ said: 535 5\.7\.8 Error: authentication failed/,
    );
  } finally {
    await daemon.stop();
    await smarthost.stop();
    await final.close();
    await Deno.remove(dir, { recursive: true });
  }
});
