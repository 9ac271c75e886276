import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import {
  dkimKeyProblems,
  parseSigningKey,
  publicKeyRecord,
  readSigningKey,
  SigningKeyError,
} from "../../../src/dkim/signing_key.ts";
import {
  authorDomain,
  dkimSignature,
  keysFor,
} from "../../../src/dkim/signer.ts";
import {
  dnsRecordLines,
  generateSigningKey,
} from "../../../src/dkim/keygen.ts";
import { signsOrigin } from "../../../src/delivery/dkim_signing.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import { ConfigError } from "../../../src/config/config_error.ts";

const encoder = new TextEncoder();

function pemOf(type: "ec" | "rsa", bits = 2048): string {
  const pair = type === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: bits });
  return pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

Deno.test("a key file readable by others is refused, naming the file and the fix", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = join(dir, "k.key");
    Deno.writeTextFileSync(path, generateSigningKey("ed25519"), {
      mode: 0o644,
    });
    Deno.chmodSync(path, 0o644);
    assert.throws(
      () => readSigningKey(path),
      (e) =>
        e instanceof SigningKeyError &&
        e.message ===
          `DKIM key file "${path}" is readable by other users (mode 644); run chmod 600 on it`,
    );
    Deno.chmodSync(path, 0o600);
    assert.equal(readSigningKey(path).type, "ed25519");
    assert.deepEqual(
      dkimKeyProblems([{
        domain: "example.com",
        selector: "s",
        privateKeyFile: join(dir, "missing.key"),
      }]),
      [
        `dkim s._domainkey.example.com: DKIM key file "${
          join(dir, "missing.key")
        }": no such file`,
      ],
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("only RSA of 1024 bits or more and Ed25519 keys sign", () => {
  assert.throws(
    () => parseSigningKey("junk", "/k"),
    /holds no PEM private key/,
  );
  assert.throws(() => parseSigningKey(pemOf("ec"), "/k"), /holds a ec key/);
  assert.throws(
    () => parseSigningKey(pemOf("rsa", 512), "/k"),
    /512-bit RSA key; verifiers refuse keys under 1024 bits/,
  );
  assert.equal(parseSigningKey(pemOf("rsa"), "/k").type, "rsa");
});

Deno.test("the TXT record: RSA as SubjectPublicKeyInfo, Ed25519 as the raw 32 bytes (RFC 8463)", () => {
  const ed = parseSigningKey(generateSigningKey("ed25519"), "/k");
  const p = /; p=(.+)$/.exec(publicKeyRecord(ed))![1];
  assert.match(publicKeyRecord(ed), /^v=DKIM1; k=ed25519; p=/);
  assert.equal(atob(p).length, 32);
  const rsa = generateSigningKey("rsa");
  const line = dnsRecordLines("example.com", "sel", rsa);
  assert.match(
    line,
    /^sel\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=rsa; p=/,
  );
  for (const s of line.matchAll(/"([^"]*)"/g)) assert.ok(s[1].length <= 255);
});

Deno.test("the author domain is the first From: address's, folded and lower-cased", () => {
  const header = (text: string) => encoder.encode(text);
  assert.equal(
    authorDomain(
      header(
        'From: "Smith, A" <a@Mail.Example.COM>,\n b@other.example\nTo: x@y\n',
      ),
    ),
    "mail.example.com",
  );
  assert.equal(authorDomain(header("To: x@y\n")), null);
  assert.equal(authorDomain(header("From: undisclosed\n")), null);
});

Deno.test("keys: the domain's own, else the closest parent's", () => {
  const key = parseSigningKey(generateSigningKey("ed25519"), "/k");
  const keys = [
    { domain: "example.com", selector: "a", key },
    { domain: "example.com", selector: "b", key },
    { domain: "lists.example.com", selector: "c", key },
  ];
  assert.deepEqual(keysFor("example.com", keys).map((k) => k.selector), [
    "a",
    "b",
  ]);
  assert.deepEqual(keysFor("mail.example.com", keys).map((k) => k.selector), [
    "a",
    "b",
  ]);
  assert.deepEqual(
    keysFor("x.lists.example.com", keys).map((k) => k.selector),
    ["c"],
  );
  assert.deepEqual(keysFor("example.org", keys), []);
});

Deno.test("a message without a key for its From: domain is not signed", async () => {
  const key = parseSigningKey(generateSigningKey("ed25519"), "/k");
  const content = () =>
    Promise.resolve(
      ReadableStream.from([encoder.encode("From: a@example.org\n\nhi\n")]),
    );
  const none = await dkimSignature(content, [{
    domain: "example.com",
    selector: "s",
    key,
  }]);
  assert.equal(none.header, "");
  const signed = await dkimSignature(content, [{
    domain: "example.org",
    selector: "s",
    key,
  }]);
  assert.match(
    signed.header,
    /^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=example\.org;\n/,
  );
  assert.doesNotMatch(signed.header, /\r/);
});

Deno.test("who is signed for: trusted and authenticated clients and mailsrv's notices, not forwarded mail", () => {
  const nets = ["192.0.2.0/24"];
  const at = (address: string, protocol: string) => ({
    client: {
      name: "client.example",
      address,
      helo: "client.example",
      protocol,
    },
  });
  assert.equal(signsOrigin(at("192.0.2.5", "ESMTP"), nets), true);
  assert.equal(signsOrigin(at("198.51.100.1", "ESMTP"), nets), false);
  assert.equal(signsOrigin(at("198.51.100.1", "ESMTPSA"), nets), true);
  assert.equal(signsOrigin(at("198.51.100.1", "ESMTPA"), nets), true);
  assert.equal(signsOrigin(at("127.0.0.1", "LOCAL"), nets), true);
  assert.equal(signsOrigin(at("127.0.0.1", "FORWARD"), nets), false);
  assert.equal(signsOrigin({}, nets), false);
});

Deno.test("[[dkim]] tables are read and checked with file, line and key", () => {
  const parse = (text: string) =>
    parseConfig({
      file: "/etc/mailsrv/mailsrv.toml",
      text,
      homeDirectory: "/srv",
      system: { hostname: "mx.example.com", interfaces: [] },
    }).config;
  const config = parse(
    '[[dkim]]\ndomain = "Example.COM."\nselector = "Default"\nprivate_key_file = "dkim/k.key"\n',
  );
  assert.deepEqual(config.dkim, [{
    domain: "example.com",
    selector: "default",
    privateKeyFile: "/etc/mailsrv/dkim/k.key",
  }]);
  const errorOf = (text: string) => {
    try {
      parse(text);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return "no error";
  };
  assert.match(
    errorOf(
      '[[dkim]]\ndomain = "example.com"\nselector = "s"\nprivate_key = "k"\n',
    ),
    /^\/etc\/mailsrv\/mailsrv\.toml:4: dkim\.private_key: unknown dkim setting/,
  );
  assert.match(
    errorOf(
      '[[dkim]]\ndomain = "exa mple"\nselector = "s"\nprivate_key_file = "k"\n',
    ),
    /:2: dkim\.domain: "exa mple" is not a domain name/,
  );
});
