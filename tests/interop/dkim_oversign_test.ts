/**
 * From oversigned in mailsrv's DKIM signatures, checked by two independent
 * verifiers: Debian's python3-dkim (dkimpy) and OpenDKIM (`opendkim -t`
 * with `TestPublicKeys`, so no DNS is asked). The signed message verifies
 * (RSA and Ed25519); the same message with a second From added, above or
 * below the signed one, fails. OpenDKIM's verdict on a From added above is
 * the one oversigning decides; dkimpy fails it either way (when verifying,
 * it appends an extra From to every h= that names one).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dkimSignature } from "../../src/dkim/signer.ts";
import {
  parseSigningKey,
  publicKeyRecord,
} from "../../src/dkim/signing_key.ts";
import { generateSigningKey } from "../../src/dkim/keygen.ts";
import { requireProgram } from "../helpers/daemon.ts";

/** Debian's python, which python3-dkim installs into. */
const DEBIAN_PYTHON = "/usr/bin/python3";

const VERIFY = `
import dkim, json, sys
records = json.load(open(sys.argv[1]))
message = open(sys.argv[2], "rb").read()
def dnsfunc(name, timeout=5):
    return records.get(name.decode().rstrip("."), "").encode()
sigs = [l for l in message.split(b"\\r\\n") if l.lower().startswith(b"dkim-signature:")]
print(json.dumps([dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc) for i in range(len(sigs))]))
`;

const MESSAGE = [
  "From: Alice <alice@example.com>",
  "To: bob@example.net",
  "Subject: lunch",
  "Date: Sun, 06 Dec 2026 12:00:00 +0000",
  "Message-ID: <lunch.1@example.com>",
  "",
  "At noon?",
  "",
].join("\n");

const FORGED = "From: Mallory <mallory@example.com>\r\n";

async function haveDkimpy(): Promise<boolean> {
  const out = await new Deno.Command(DEBIAN_PYTHON, {
    args: ["-c", "import dkim, nacl"],
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  if (out.success) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error("python3-dkim is required in CI (.ci/run installs it)");
  }
  console.warn("SKIPPED: python3-dkim (with python3-nacl) is not installed");
  return false;
}

/** The message signed with an RSA and an Ed25519 key, CRLF line ends. */
async function signedMessage() {
  const rsa = parseSigningKey(generateSigningKey("rsa"), "/rsa");
  const ed = parseSigningKey(generateSigningKey("ed25519"), "/ed");
  const result = await dkimSignature(
    () =>
      Promise.resolve(
        ReadableStream.from([new TextEncoder().encode(MESSAGE)]),
      ),
    [
      { domain: "example.com", selector: "rsa1", key: rsa },
      { domain: "example.com", selector: "ed1", key: ed },
    ],
  );
  assert.deepEqual(result.errors, []);
  return {
    signed: (result.header + MESSAGE).replace(/\n/g, "\r\n"),
    records: {
      "rsa1._domainkey.example.com": publicKeyRecord(rsa),
      "ed1._domainkey.example.com": publicKeyRecord(ed),
    },
  };
}

/** The variants: as signed, a From added on top, a From added below. */
function variants(signed: string): Record<string, string> {
  const at = signed.indexOf("From: Alice");
  const below = signed.indexOf("\r\n", at) + 2;
  return {
    signed,
    "From added above": FORGED + signed,
    "From added below": signed.slice(0, below) + FORGED + signed.slice(below),
  };
}

Deno.test("h= names From once more than the message has From fields", async () => {
  const { signed } = await signedMessage();
  const lists = [...signed.matchAll(/\bh=([^;]*);/g)].map((m) =>
    m[1].replace(/\s+/g, "").toLowerCase().split(":")
  );
  assert.equal(lists.length, 2);
  for (const list of lists) {
    assert.equal(list.filter((name) => name === "from").length, 2, signed);
    assert.deepEqual(list.slice(-2), ["from", "from"]);
  }
});

Deno.test("dkimpy verifies the oversigned signatures and fails them when a From is added", async () => {
  if (!await haveDkimpy()) return;
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-oversign-" });
  try {
    const { signed, records } = await signedMessage();
    const recordsFile = join(dir, "records.json");
    await Deno.writeTextFile(recordsFile, JSON.stringify(records));
    const verdicts: Record<string, boolean[]> = {};
    for (const [name, text] of Object.entries(variants(signed))) {
      const file = join(dir, "message.eml");
      await Deno.writeTextFile(file, text);
      const out = await new Deno.Command(DEBIAN_PYTHON, {
        args: ["-c", VERIFY, recordsFile, file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      verdicts[name] = JSON.parse(new TextDecoder().decode(out.stdout));
    }
    assert.deepEqual(verdicts, {
      signed: [true, true],
      "From added above": [false, false],
      "From added below": [false, false],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("OpenDKIM verifies the oversigned signatures and fails them when a From is added", async () => {
  if (!requireProgram("opendkim")) return;
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-oversign-" });
  try {
    const { signed, records } = await signedMessage();
    const keys = join(dir, "keys");
    await Deno.writeTextFile(
      keys,
      Object.entries(records).map(([n, r]) => `${n} ${r}\n`).join(""),
    );
    const conf = join(dir, "opendkim.conf");
    await Deno.writeTextFile(
      conf,
      `Mode v\nTestPublicKeys ${keys}\nTemporaryDirectory ${dir}\n`,
    );
    const verdicts: Record<string, string[]> = {};
    for (const [name, text] of Object.entries(variants(signed))) {
      const file = join(dir, "message.eml");
      await Deno.writeTextFile(file, text);
      // -vvv prints the Authentication-Results field it would add.
      const out = await new Deno.Command("opendkim", {
        args: ["-x", conf, "-vvv", "-t", file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(out.stdout) +
        new TextDecoder().decode(out.stderr);
      assert.ok(out.success, said);
      verdicts[name] = [...said.matchAll(/dkim=(\w+)[^;]*header\.s=(\w+)/g)]
        .map((m) => `${m[2]}=${m[1]}`);
    }
    assert.deepEqual(verdicts, {
      signed: ["rsa1=pass", "ed1=pass"],
      "From added above": ["rsa1=fail", "ed1=fail"],
      "From added below": ["rsa1=fail", "ed1=fail"],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
