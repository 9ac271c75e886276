/**
 * Verification on receipt, end to end: SPF, DKIM and DMARC against a DNS
 * server the test runs, the Authentication-Results header in the
 * delivered message, forged ones removed, and check_dmarc's 550.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { listFiles, startDaemon, waitFor } from "../helpers/daemon.ts";
import { startDnsServer, type TestZone } from "../helpers/dns_server.ts";
import { dkimSignature } from "../../src/dkim/signer.ts";
import { parseSigningKey } from "../../src/dkim/signing_key.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function owned(zone: TestZone): TestZone {
  for (const [name, answers] of Object.entries(zone.records)) {
    zone.records[name] = answers.map((r) => ({ ...r, name }));
  }
  return zone;
}

function txt(text: string) {
  // DKIM keys are longer than one 255-byte TXT string.
  const parts = text.match(/.{1,250}/g) ?? [];
  return { type: "TXT" as const, name: "", data: parts };
}

/** One SMTP transaction; the reply to the end of data. */
async function send(
  port: number,
  sender: string,
  recipient: string,
  message: string,
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const buffer = new Uint8Array(65536);
  let pending = "";
  const reply = async (): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const m = pending.match(/(?:^|\n)(\d{3}) [^\n]*\n/);
      if (m) {
        const end = pending.indexOf(m[0]) + m[0].length;
        const text = pending.slice(0, end);
        pending = pending.slice(end);
        return text.trim();
      }
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection closed: ${pending}`);
      pending += decoder.decode(buffer.subarray(0, n)).replace(/\r/g, "");
    }
    throw new Error("no reply");
  };
  const say = async (line: string) => {
    await conn.write(encoder.encode(`${line}\r\n`));
    return await reply();
  };
  try {
    await reply();
    await say("EHLO client.example");
    assert.match(await say(`MAIL FROM:<${sender}>`), /^250/);
    assert.match(await say(`RCPT TO:<${recipient}>`), /^250/);
    assert.match(await say("DATA"), /^354/);
    const body = message.replace(/\n/g, "\r\n").replace(/^\./gm, "..");
    return await say(`${body}.`);
  } finally {
    await say("QUIT").catch(() => "");
    conn.close();
  }
}

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
});
const privatePem = privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const publicDer = publicKey.export({ type: "spki", format: "der" });

const zone = owned({
  records: {
    "good.test": [txt("v=spf1 ip4:127.0.0.1 -all")],
    "sel._domainkey.good.test": [
      txt(`v=DKIM1; k=rsa; p=${publicDer.toString("base64")}`),
    ],
    "_dmarc.good.test": [txt("v=DMARC1; p=reject")],
    "bank.test": [txt("v=spf1 ip4:198.51.100.1 -all")],
    "_dmarc.bank.test": [txt("v=DMARC1; p=reject")],
    "spammer.test": [txt("v=spf1 ip4:127.0.0.1 -all")],
  },
  strict: true,
});

/** A daemon resolving in `testZone`, for `fn`; both gone afterwards. */
async function withDaemon(
  params: Record<string, string>,
  fn: (
    port: number,
    home: string,
    daemon: Awaited<ReturnType<typeof startDaemon>>,
    dns: Awaited<ReturnType<typeof startDnsServer>>,
  ) => Promise<void>,
  testZone: TestZone = zone,
) {
  const dns = await startDnsServer(testZone);
  const home = await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  await Deno.writeTextFile(
    join(home, "resolv.conf"),
    `${dns.nameserverLine}\noptions timeout:2 attempts:1\n`,
  );
  const daemon = await startDaemon({
    home,
    params: {
      // The test client (127.0.0.1) is a stranger, not ours.
      mynetworks: "192.0.2.0/24",
      myhostname: "mx.example.org",
      smtpd_authentication_results: "yes",
      ...params,
    },
  });
  try {
    await fn(daemon.port, home, daemon, dns);
  } finally {
    await daemon.stop();
    await dns.close();
    await Deno.remove(home, { recursive: true });
  }
}

async function delivered(home: string, user: string): Promise<string> {
  const dir = join(home, "mail", user, "new");
  const files = await waitFor(
    `a message for ${user}`,
    async () => {
      const names = await listFiles(dir).catch(() => []);
      return names.length > 0 ? names : undefined;
    },
  );
  return await Deno.readTextFile(join(dir, files[0]));
}

Deno.test("a forged From gets dmarc=fail, a forged header is removed, and our signature verifies", async () => {
  await withDaemon({}, async (port, home) => {
    const forged = [
      "Authentication-Results: mx.example.org; dkim=pass header.d=bank.test;",
      "\tdmarc=pass header.from=bank.test",
      "Authentication-Results: other.example; spf=pass",
      "From: Bank <alerts@bank.test>",
      "To: bob@localhost",
      "Subject: please log in",
      "",
      "click here",
      "",
    ].join("\n");
    assert.match(
      await send(port, "spam@spammer.test", "bob@localhost", forged),
      /^250/,
    );
    const message = await delivered(home, "bob");
    const ours = message.match(
      /^Authentication-Results: mx\.example\.org;(?:\n[ \t].*)*/gm,
    ) ?? [];
    assert.equal(ours.length, 1, message);
    assert.match(ours[0], /dkim=none/);
    assert.match(ours[0], /spf=pass .*smtp\.mailfrom=spammer\.test/);
    assert.match(ours[0], /dmarc=fail .*header\.from=bank\.test/);
    assert.match(
      message,
      /^Authentication-Results: other\.example; spf=pass$/m,
    );

    const unsigned = [
      "From: Carol <carol@good.test>",
      "To: dave@localhost",
      "Subject: signed by mailsrv",
      "Message-ID: <1@good.test>",
      "",
      "hello",
      "",
    ].join("\n");
    const key = parseSigningKey(privatePem, "test key");
    const signature = await dkimSignature(
      () =>
        Promise.resolve(
          new Blob([unsigned]).stream() as ReadableStream<Uint8Array>,
        ),
      [{ domain: "good.test", selector: "sel", key }],
    );
    assert.deepEqual(signature.errors, []);
    assert.match(
      await send(
        port,
        "carol@good.test",
        "dave@localhost",
        signature.header + unsigned,
      ),
      /^250/,
    );
    const signed = await delivered(home, "dave");
    assert.match(signed, /dkim=pass .*header\.i=@good\.test header\.s=sel/);
    assert.match(signed, /spf=pass/);
    assert.match(signed, /dmarc=pass .*header\.from=good\.test/);
  });
});

Deno.test("check_dmarc refuses a p=reject failure with 550; warn_if_reject only logs", async () => {
  const forged = "From: <alerts@bank.test>\nSubject: x\n\nbody\n";
  await withDaemon(
    { smtpd_end_of_data_restrictions: "check_dmarc" },
    async (port) => {
      assert.match(
        await send(port, "spam@spammer.test", "bob@localhost", forged),
        /^550 5\.7\.1 rejected by DMARC policy for bank\.test/,
      );
    },
  );
  await withDaemon(
    { smtpd_end_of_data_restrictions: "warn_if_reject, check_dmarc" },
    async (port, home) => {
      assert.match(
        await send(port, "spam@spammer.test", "bob@localhost", forged),
        /^250/,
      );
      await delivered(home, "bob");
      const log = await Deno.readTextFile(join(home, "maillog"));
      assert.match(log, /reject_warning: END-OF-MESSAGE .*rejected by DMARC/);
    },
  );
});

Deno.test("reject_spf_fail refuses an SPF fail at RCPT with policyd-spf's reply", async () => {
  await withDaemon({
    smtpd_authentication_results: "no",
    smtpd_recipient_restrictions: "reject_unauth_destination, reject_spf_fail",
  }, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(encoder.encode(
        "EHLO client.example\r\nMAIL FROM:<x@bank.test>\r\nRCPT TO:<bob@localhost>\r\nQUIT\r\n",
      ));
      let text = "";
      const buffer = new Uint8Array(8192);
      for (let i = 0; i < 50 && !/\n221 /.test(text); i++) {
        const n = await conn.read(buffer);
        if (n === null) break;
        text += decoder.decode(buffer.subarray(0, n));
      }
      assert.match(
        text,
        /550 5\.7\.23 <bob@localhost>: Recipient address rejected: Message rejected due to: SPF fail - not authorized\. Please see http:\/\/www\.openspf\.net\/Why\?s=mfrom;id=x@bank\.test;ip=127\.0\.0\.1;r=<UNKNOWN>/,
      );
    } finally {
      conn.close();
    }
  });
});

/** A zone with a p=quarantine domain and one whose DMARC lookup fails. */
const quarantineZone = owned({
  records: {
    "shop.test": [txt("v=spf1 ip4:198.51.100.1 -all")],
    "_dmarc.shop.test": [txt("v=DMARC1; p=quarantine")],
    "flaky.test": [txt("v=spf1 ip4:198.51.100.1 -all")],
    "spammer.test": [txt("v=spf1 ip4:127.0.0.1 -all")],
  },
  servfail: ["_dmarc.flaky.test"],
  strict: true,
});

Deno.test("check_dmarc: a p=quarantine failure takes the configured action (HOLD into hold/, or a header)", async () => {
  const forged = "From: <orders@shop.test>\nSubject: your order\n\nbody\n";
  for (const action of ["HOLD", "PREPEND X-Spam-Flag: YES"]) {
    await withDaemon({
      smtpd_authentication_results: "no",
      smtpd_end_of_data_restrictions: "check_dmarc",
      smtpd_dmarc_quarantine_action: action,
    }, async (_port, home, daemon) => {
      assert.match(
        await send(daemon.port, "spam@spammer.test", "bob@localhost", forged),
        /^250/,
      );
      if (action === "HOLD") {
        const held = await waitFor("a message on hold", async () => {
          const names = await listFiles(
            join(daemon.queueDirectory, "hold"),
          ).catch(() => []);
          return names.length > 0 ? names : undefined;
        });
        assert.equal(held.length, 1);
        const queued = await Deno.readTextFile(
          join(daemon.queueDirectory, "hold", held[0]),
        );
        assert.match(queued, /^From: <orders@shop\.test>$/m);
        assert.deepEqual(
          await listFiles(join(home, "mail", "bob", "new")).catch(() => []),
          [],
        );
        assert.match(daemon.log(), /hold: END-OF-MESSAGE /);
      } else {
        const message = await delivered(home, "bob");
        assert.match(message, /^X-Spam-Flag: YES$/m);
      }
    }, quarantineZone);
  }
});

Deno.test("check_dmarc: a DNS failure is a 451 (never a reject), or passes when so configured", async () => {
  const message = "From: <news@flaky.test>\nSubject: news\n\nbody\n";
  for (const temperror of ["defer", "permit"]) {
    await withDaemon({
      smtpd_authentication_results: "no",
      smtpd_end_of_data_restrictions: "check_dmarc",
      smtpd_authentication_temperror_action: temperror,
    }, async (_port, home, daemon, dns) => {
      const reply = await send(
        daemon.port,
        "spam@spammer.test",
        "bob@localhost",
        message,
      );
      if (temperror === "defer") {
        assert.match(
          reply,
          /^451 4\.4\.3 Temporary DMARC error for .*, try again later/,
        );
      } else {
        assert.match(reply, /^250/);
        await delivered(home, "bob");
      }
      assert.ok(
        dns.asked.some((q) => q.startsWith("TXT _dmarc.flaky.test/")),
        dns.asked.join("\n"),
      );
    }, quarantineZone);
  }
});
