import assert from "node:assert/strict";
import { join } from "node:path";
import { tlsContextFor } from "../../../src/net/tls_context_cache.ts";
import { makeTestCertificates } from "../../helpers/tls_certs.ts";

const NAMES = { cert: "smtpd_tls_cert_file", key: "smtpd_tls_key_file" };

Deno.test("tlsContextFor loads once per configuration, anew for the next, and retries a failure", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const certs = await makeTestCertificates(dir);
    const files = { cert: certs.certFile, key: certs.keyFile, names: NAMES };
    const first = {};
    const a = await tlsContextFor(first, files);
    assert.ok(a !== null);
    assert.equal(await tlsContextFor(first, files), a);
    // A reload is a new configuration object: the files are read again.
    const second = {};
    const b = await tlsContextFor(second, files);
    assert.notEqual(b, a);
    assert.equal(
      await tlsContextFor(first, { ...files, cert: "", key: "" }),
      null,
    );
    const missing = { ...files, cert: join(dir, "later.pem") };
    await assert.rejects(
      tlsContextFor(second, missing),
      /cannot read smtpd_tls_cert_file "\S+later\.pem"/,
    );
    await Deno.copyFile(certs.certFile, join(dir, "later.pem"));
    assert.ok(await tlsContextFor(second, missing) !== null);
    // Chain files: key and certificates in one file.
    const both = join(dir, "both.pem");
    await Deno.writeTextFile(
      both,
      (await Deno.readTextFile(certs.keyFile)) +
        (await Deno.readTextFile(certs.certFile)),
    );
    assert.ok(
      await tlsContextFor(second, {
        ...files,
        chain: [both],
        names: { ...NAMES, chain: "smtpd_tls_chain_files" },
      }) !== null,
    );
    await assert.rejects(
      tlsContextFor(second, {
        ...files,
        chain: [certs.certFile],
        names: { ...NAMES, chain: "smtpd_tls_chain_files" },
      }),
      /smtpd_tls_chain_files "\S+" must hold a private key and its certificate/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
