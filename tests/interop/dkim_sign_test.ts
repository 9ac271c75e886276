/**
 * DKIM signing of mail that leaves the box, checked by an independent
 * implementation: keys made by `mailsrv dkim keygen` (RSA and Ed25519),
 * a message from a trusted client relayed to a test server, and the
 * signatures verified by Debian's python3-dkim (dkimpy) with the TXT
 * records keygen printed (no DNS: the verifier is handed them).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMailsrv, startDaemon, waitFor } from "../helpers/daemon.ts";
import { startFakeSmtpServer } from "../helpers/fake_smtp_server.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

/** Debian's python, which python3-dkim installs into. */
const DEBIAN_PYTHON = "/usr/bin/python3";

const VERIFY = `
import dkim, json, sys
records = json.load(open(sys.argv[1]))
message = sys.stdin.buffer.read()
def dnsfunc(name, timeout=5):
    return records.get(name.decode().rstrip("."), "").encode()
results = []
sigs = [l for l in message.split(b"\\r\\n") if l.lower().startswith(b"dkim-signature:")]
for i in range(len(sigs)):
    results.append(dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc))
print(json.dumps(results))
`;

async function haveDkimpy(): Promise<boolean> {
  try {
    const out = await new Deno.Command(DEBIAN_PYTHON, {
      args: ["-c", "import dkim, nacl"],
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** `selector._domainkey.domain` → the TXT text, from keygen's output. */
function recordOf(keygenOutput: string): [string, string] {
  const match = /^(\S+)\. IN TXT \(?\s*((?:"[^"]*"\s*)+)\)?$/m.exec(
    keygenOutput,
  );
  assert.ok(match, keygenOutput);
  const text = [...match[2].matchAll(/"([^"]*)"/g)].map((m) => m[1]).join("");
  return [match[1], text];
}

Deno.test("mail relayed for a trusted client is DKIM-signed (RSA and Ed25519); dkimpy verifies both", async () => {
  if (!await haveDkimpy()) {
    if (Deno.env.get("CI") === "true") {
      throw new Error("python3-dkim is required in CI (.ci/run installs it)");
    }
    console.warn("SKIP: python3-dkim (with python3-nacl) is not installed");
    return;
  }
  const home = await Deno.makeTempDir({ prefix: "mailsrv-dkim-" });
  const records: Record<string, string> = {};
  const tables: string[] = [];
  for (const [selector, type] of [["rsa1", "rsa"], ["ed1", "ed25519"]]) {
    const key = join(home, `${selector}.key`);
    const made = await runMailsrv([
      "dkim",
      "keygen",
      "example.com",
      "--selector",
      selector,
      "--type",
      type,
      "--key-file",
      key,
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((await Deno.stat(key)).mode! & 0o777, 0o600);
    const [name, text] = recordOf(made.stdout);
    records[name] = text;
    tables.push(made.stdout.slice(made.stdout.indexOf("[[dkim]]")));
  }
  const peer = await startFakeSmtpServer({});
  const daemon = await startDaemon({
    home,
    params: { relayhost: `[127.0.0.1]:${peer.port}` },
    extraToml: tables.join("\n"),
  });
  try {
    const [sent] = await sendWithSmtplib(
      daemon.port,
      "alice@example.com",
      ["bob@remote.example"],
    );
    assert.equal(sent.code, 250, sent.reply);
    await waitFor(
      "the relayed message",
      () => peer.messages.length === 1 ? true : undefined,
    );
    // Undo the dot-stuffing of the wire (RFC 5321 section 4.5.2).
    const data = peer.messages[0].data.replace(/(^|\r\n)\./g, "$1");
    assert.equal(data.match(/^DKIM-Signature:/gim)?.length, 2, data);
    const recordsFile = join(home, "records.json");
    await Deno.writeTextFile(recordsFile, JSON.stringify(records));
    const child = new Deno.Command(DEBIAN_PYTHON, {
      args: ["-c", VERIFY, recordsFile],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(data));
    await writer.close();
    const out = await child.output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(out.stdout)),
      [true, true],
    );
    assert.match(
      daemon.log(),
      /DKIM-Signature field added \(s=rsa1, d=example\.com\)/,
    );
  } finally {
    await daemon.stop();
    await peer.close();
    await Deno.remove(home, { recursive: true });
  }
});
