/**
 * SRS addresses compared with Debian's postsrsd: a private postsrsd on
 * loopback ports, with the same secret file, domain and excluded domains,
 * answers its Postfix tcp_table lookups (`get ADDRESS` → `200 VALUE` or
 * `500 reason`); mailsrv's forward and reverse must give the same
 * addresses, and each must reverse what the other wrote.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort, requireProgram, waitFor } from "../helpers/daemon.ts";
import {
  forwardedSender,
  srsForward,
  srsRecipient,
  type SrsReversal,
} from "../../src/srs/mod.ts";

const DOMAIN = "srs.example.net";
const DAY = 86_400_000;

/** One tcp_table lookup: `get KEY` → [code, value] (values URL-encoded). */
async function lookup(port: number, key: string): Promise<[number, string]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(`get ${encodeURIComponent(key)}\n`),
    );
    let text = "";
    const buffer = new Uint8Array(2048);
    for (let reads = 0; !text.includes("\n") && reads < 100; reads++) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const line = text.split("\n")[0];
    return [Number(line.slice(0, 3)), decodeURIComponent(line.slice(4))];
  } finally {
    conn.close();
  }
}

/** mailsrv's reversal as postsrsd would answer it. */
function asAnswer(reversal: SrsReversal): number {
  return reversal.kind === "valid" ? 200 : 500;
}

Deno.test("SRS addresses agree with postsrsd's, both ways", async () => {
  if (!requireProgram("postsrsd")) return;
  const home = await Deno.makeTempDir({ prefix: "mailsrv-srs-" });
  const secretFile = join(home, "srs.secret");
  // Two secrets: the first signs, both verify (rotation).
  await Deno.writeTextFile(secretFile, "n3w-secret\nold-secret\n", {
    mode: 0o600,
  });
  const forwardPort = freePort();
  const reversePort = freePort();
  const postsrsd = new Deno.Command("postsrsd", {
    args: [
      `-s${secretFile}`,
      `-d${DOMAIN}`,
      "-l127.0.0.1",
      `-f${forwardPort}`,
      `-r${reversePort}`,
      "-Xexample.com,.sub.example",
      "-t5",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const config = {
    srs_domain: DOMAIN,
    srs_secret_file: secretFile,
    srs_exclude_domains: ["example.com", ".sub.example"],
  };
  try {
    await waitFor("postsrsd to listen", async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: reversePort }))
          .close();
        return true;
      } catch {
        return undefined;
      }
    });

    // Forward: postsrsd's 500 (excluded, already SRS) is "kept as it is".
    const senders = [
      "Alice@example.org",
      "user+tag@Example.NET",
      "a=b@example.org",
      "SRS0=ABCD=XY=example.org=bob@fwd.example",
      "SRS1=abcd=first.example==ABCD=XY=example.org=bob@fwd2.example",
      "x@example.com",
      "x@a.sub.example",
      "x@sub.example",
      "bob@srs.example.net",
    ];
    const made: string[] = [];
    for (const sender of senders) {
      const before = forwardedSender(sender, config, Date.now());
      const [code, value] = await lookup(forwardPort, sender);
      const after = forwardedSender(sender, config, Date.now());
      const theirs = code === 200 ? value : sender;
      // Around midnight UTC the day stamp may change between the calls.
      assert.ok(
        theirs === before || theirs === after,
        `${sender}: postsrsd ${code} ${value}, mailsrv ${before}`,
      );
      if (code === 200 && theirs !== sender) made.push(theirs);
    }
    assert.ok(made.length >= 5, made.join(", "));

    // postsrsd leaves its own addresses alone, and so does mailsrv.
    for (const address of made) {
      const [code, value] = await lookup(forwardPort, address);
      assert.equal(code, 500, `${address}: ${value}`);
      assert.equal(forwardedSender(address, config, Date.now()), address);
    }

    // Reverse: what postsrsd wrote, mailsrv reverses to the same address,
    // and the other way round; case folded; signed with the old secret;
    // tampered; expired.
    const now = Date.now();
    const ours = [
      srsForward("carol@example.org", DOMAIN, ["n3w-secret"], now),
      srsForward("dave@example.org", DOMAIN, ["old-secret"], now),
      srsForward(
        "SRS0=ABCD=XY=example.org=bob@fwd.example",
        DOMAIN,
        ["old-secret"],
        now,
      ),
    ];
    const addresses = [
      ...made,
      ...made.map((a) => a.toLowerCase()),
      ...made.map((a) => a.toUpperCase().replace(/@.*/, `@${DOMAIN}`)),
      ...ours,
      made[0].replace("Alice", "Alicia"),
      ours[0].replace(/^SRS0=..../, "SRS0=AAAA"),
      srsForward("eve@example.org", DOMAIN, ["n3w-secret"], now - 30 * DAY),
      srsForward("eve@example.org", DOMAIN, ["other"], now),
    ];
    let valid = 0;
    let invalid = 0;
    for (const address of addresses) {
      const [code, value] = await lookup(reversePort, address);
      const mine = srsRecipient(address, config, Date.now());
      assert.equal(asAnswer(mine), code, `${address}: postsrsd ${value}`);
      if (mine.kind === "valid") {
        assert.equal(mine.address, value, address);
        valid++;
      } else {
        assert.equal(mine.kind, "invalid", address);
        invalid++;
      }
    }
    assert.ok(valid >= 10 && invalid === 4, `${valid} valid, ${invalid}`);
  } finally {
    postsrsd.kill("SIGTERM");
    await postsrsd.status;
    await postsrsd.stderr.cancel();
    await Deno.remove(home, { recursive: true });
  }
});
