import assert from "node:assert/strict";
import {
  certificateCheck,
  certificateNames,
  tlsLogLine,
} from "../../../../src/delivery/smtp/tls_policy.ts";

const cert = {
  subject: { CN: "mx1.example.com" },
  subjectaltname: "DNS:mx1.example.com, DNS:*.mail.example.com",
};

Deno.test("certificate names come from subjectAltName, else the CN", () => {
  assert.deepEqual(certificateNames(cert), [
    "mx1.example.com",
    "*.mail.example.com",
  ]);
  assert.deepEqual(certificateNames({ subject: { CN: "Only.CN" } }), [
    "only.cn",
  ]);
});

Deno.test("verify matches the MX host name; secure matches the next-hop domain or below", () => {
  assert.equal(
    certificateCheck("verify", "MX1.example.com", "example.com")(cert),
    undefined,
  );
  assert.equal(
    certificateCheck("verify", "a.mail.example.com", "example.com")(cert),
    undefined,
  );
  assert.match(
    String(certificateCheck("verify", "b.c.mail.example.com", "x")(cert)),
    /not b\.c\.mail/,
  );
  assert.equal(
    certificateCheck("secure", "evil.test", "example.com")(cert),
    undefined,
  );
  assert.match(
    String(certificateCheck("secure", "mx1.example.com", "example.org")(cert)),
    /example\.org or a subdomain/,
  );
});

Deno.test("the TLS log line says how far the certificate was checked", () => {
  const outcome = {
    trusted: false,
    protocol: "TLSv1.3",
    cipher: "TLS_AES_256_GCM_SHA384",
    bits: 256,
    certificate: cert,
  };
  assert.equal(
    tlsLogLine(outcome, "mx1.example.com[192.0.2.1]:25", false),
    "Untrusted TLS connection established to mx1.example.com[192.0.2.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
  );
  assert.match(
    tlsLogLine({ ...outcome, trusted: true }, "p", false),
    /^Trusted /,
  );
  assert.match(
    tlsLogLine({ ...outcome, trusted: true }, "p", true),
    /^Verified /,
  );
});
