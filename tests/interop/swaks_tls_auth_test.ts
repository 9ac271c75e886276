/**
 * Interop with swaks for smtpd's TLS and AUTH: STARTTLS, AUTH PLAIN and
 * LOGIN on a submission listener that requires both, pipelining under
 * TLS, implicit TLS on smtps, and a wrong password.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  requireProgram,
  startDaemon,
  type TestDaemon,
} from "../helpers/daemon.ts";
import { makeTestCertificates } from "../helpers/tls_certs.ts";
import { hashPassword } from "../../src/common/password_hash.ts";

async function swaks(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("swaks", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

async function withDaemon(
  fn: (daemon: TestDaemon, submission: number, smtps: number) => Promise<void>,
) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-swaks-tls-" });
  const certs = await makeTestCertificates(home);
  await Deno.writeTextFile(
    join(home, "sasl_users"),
    `dave@example.test:${await hashPassword("pass word")}\n`,
  );
  const submission = freePort();
  const smtps = freePort();
  const submit = {
    smtpd_tls_security_level: "encrypt",
    smtpd_sasl_auth_enable: true,
    smtpd_relay_restrictions: "permit_sasl_authenticated, reject",
  };
  const daemon = await startDaemon({
    home,
    params: {
      mynetworks: "127.0.0.1/32",
      smtpd_tls_cert_file: certs.certFile,
      smtpd_tls_key_file: certs.keyFile,
      smtpd_sasl_users_file: join(home, "sasl_users"),
      smtpd_sasl_failed_auth_delay: "0s",
    },
    listeners: [
      { kind: "submission", port: submission, settings: submit },
      { kind: "smtps", port: smtps, settings: submit },
    ],
  });
  try {
    await fn(daemon, submission, smtps);
  } finally {
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
}

const common = (port: number) => [
  "--server",
  `127.0.0.1:${port}`,
  "--local-interface",
  "127.0.0.2",
  "--ehlo",
  "client.example.test",
  "--from",
  "dave@example.test",
  "--to",
  "friend@remote.example",
  "--auth-user",
  "dave@example.test",
  "--auth-password",
  "pass word",
];

Deno.test("swaks: STARTTLS then AUTH PLAIN and AUTH LOGIN relay through 587, pipelined", async () => {
  if (!requireProgram("swaks")) return;
  await withDaemon(async (daemon, submission) => {
    for (const mechanism of ["PLAIN", "LOGIN"]) {
      const r = await swaks([
        ...common(submission),
        "--tls",
        "--pipeline",
        "--auth",
        mechanism,
      ]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /<- {1,2}250-STARTTLS/);
      assert.match(r.out, /<- {1,2}220 2\.0\.0 Ready to start TLS/);
      assert.match(r.out, /<~ {1,2}250-AUTH PLAIN LOGIN/);
      assert.match(r.out, /<~ {1,2}235 2\.7\.0 Authentication successful/);
      assert.match(r.out, /<~ {1,2}250 2\.0\.0 Ok: queued as \w+/);
      assert.match(
        daemon.log(),
        new RegExp(
          `sasl_method=${mechanism}, sasl_username=dave@example\\.test`,
        ),
      );
    }
    // Without TLS, 587 refuses the transaction.
    const plain = await swaks([...common(submission), "--auth", "PLAIN"]);
    assert.notEqual(plain.code, 0);
    assert.match(
      plain.out,
      /<\*\* {1,2}530 5\.7\.0 Must issue a STARTTLS command first/,
    );
  });
});

Deno.test("swaks: implicit TLS on 465, and a wrong password is refused with 535", async () => {
  if (!requireProgram("swaks")) return;
  await withDaemon(async (_daemon, _submission, smtps) => {
    const ok = await swaks([
      ...common(smtps),
      "--tls-on-connect",
      "--auth",
      "LOGIN",
    ]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /<~ {1,2}220 /);
    const wrong = await swaks([
      ...common(smtps).slice(0, -1),
      "wrong",
      "--tls-on-connect",
      "--auth",
      "PLAIN",
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(
      wrong.out,
      /<~\* {1,2}535 5\.7\.8 Error: authentication failed: authentication failure/,
    );
  });
});
