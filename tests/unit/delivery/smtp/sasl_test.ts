import assert from "node:assert/strict";
import {
  chooseMechanism,
  loginResponse,
  parseCredentials,
  passwordLookupKeys,
  plainResponse,
  securityOptions,
} from "../../../../src/delivery/smtp/sasl.ts";

Deno.test("sasl_passwd is asked by host name, then by the next hop as routed", () => {
  assert.deepEqual(
    passwordLookupKeys("SMTP.Example.com", "[smtp.example.com]:587"),
    [
      "smtp.example.com",
      "[smtp.example.com]:587",
    ],
  );
  assert.deepEqual(passwordLookupKeys("mx.example.com", "mx.example.com"), [
    "mx.example.com",
  ]);
});

Deno.test("credentials split at the first colon; a password may hold colons", () => {
  assert.deepEqual(parseCredentials("user@isp.net:pa:ss"), {
    user: "user@isp.net",
    password: "pa:ss",
  });
  assert.equal(parseCredentials("nopassword"), undefined);
});

Deno.test("plaintext mechanisms only where the security options allow them", () => {
  assert.equal(
    chooseMechanism(["LOGIN", "PLAIN"], securityOptions("noanonymous")),
    "PLAIN",
  );
  assert.equal(
    chooseMechanism(["LOGIN", "CRAM-MD5"], securityOptions("noanonymous")),
    "LOGIN",
  );
  assert.equal(
    chooseMechanism(["PLAIN"], securityOptions("noplaintext, noanonymous")),
    undefined,
  );
  assert.equal(chooseMechanism(["CRAM-MD5"], securityOptions("")), undefined);
});

Deno.test("PLAIN and LOGIN responses", () => {
  const who = { user: "jo", password: "sécret" };
  assert.equal(atob(plainResponse(who)), "\0jo\0s\u00c3\u00a9cret");
  assert.equal(atob(loginResponse("VXNlcm5hbWU6", who)), "jo");
  assert.equal(atob(loginResponse("UGFzc3dvcmQ6", who)), "s\u00c3\u00a9cret");
});
