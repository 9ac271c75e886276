/**
 * DMARC's organisational domain as mailauth 7.1 finds it: by the DNS Tree
 * Walk of RFC 9989 section 4.10 (the successor of RFC 7489's public
 * suffix list), asking `_dmarc.` of the author domain and each parent.
 * Against a DNS server the test runs that serves `_dmarc.example.co.uk`
 * only, mail from a.b.example.co.uk gets that policy, and relaxed
 * alignment takes example.co.uk as the organisational domain: what the
 * public suffix list says too.
 */
import assert from "node:assert/strict";
import { createResolver } from "../../../src/dns/resolver.ts";
import {
  mailauthResolver,
  type SpfOutcome,
  startMessageVerification,
} from "../../../src/mail_auth/mod.ts";
import { startDnsServer, type TestZone } from "../../helpers/dns_server.ts";

const zone: TestZone = {
  records: {
    "_dmarc.example.co.uk": [{
      type: "TXT",
      name: "_dmarc.example.co.uk",
      data: ["v=DMARC1; p=reject"],
    }],
  },
  strict: true,
};

const MESSAGE = new TextEncoder().encode(
  "From: Alice <alice@a.b.example.co.uk>\r\nSubject: hello\r\n\r\nhi\r\n",
);

/** An SPF pass for MAIL FROM in `domain`. */
function spfPass(domain: string): SpfOutcome {
  return {
    result: "pass",
    domain,
    scope: "mailfrom",
    identity: `bounce@${domain}`,
    entry: `spf=pass smtp.mailfrom=${domain}`,
  };
}

async function dmarcOf(port: number, spf: SpfOutcome) {
  const resolver = mailauthResolver(createResolver({
    resolvConf: () => ({
      servers: [{ address: "127.0.0.1", port }],
      timeout: 2000,
      attempts: 1,
      rotate: false,
    }),
  }));
  const verifier = startMessageVerification({
    resolver,
    sender: spf.identity,
  });
  await verifier.push(MESSAGE);
  const outcome = await verifier.finish(spf);
  return { outcome: outcome.dmarc, entry: outcome.entries.at(-1) ?? "" };
}

Deno.test("a.b.example.co.uk takes the policy of example.co.uk, found by the Tree Walk", async () => {
  const dns = await startDnsServer(zone);
  try {
    const { outcome, entry } = await dmarcOf(
      dns.port,
      spfPass("other.co.uk"),
    );
    assert.deepEqual(outcome, {
      result: "fail",
      domain: "a.b.example.co.uk",
      policy: "reject",
    });
    assert.match(entry, /^dmarc=fail .*header\.from=a\.b\.example\.co\.uk/);
    assert.match(entry, /header\.d=example\.co\.uk/);
    const walked = dns.asked.filter((q) => q.startsWith("TXT _dmarc."))
      .map((q) => q.replace(/^TXT (\S+)\/\w+$/, "$1"));
    assert.deepEqual([...new Set(walked)], [
      "_dmarc.a.b.example.co.uk",
      "_dmarc.b.example.co.uk",
      "_dmarc.example.co.uk",
      "_dmarc.co.uk",
      "_dmarc.uk",
    ]);
  } finally {
    await dns.close();
  }
});

Deno.test("relaxed alignment: mail.example.co.uk aligns with a.b.example.co.uk, other.co.uk does not", async () => {
  const dns = await startDnsServer(zone);
  try {
    assert.equal(
      (await dmarcOf(dns.port, spfPass("mail.example.co.uk"))).outcome.result,
      "pass",
    );
    assert.equal(
      (await dmarcOf(dns.port, spfPass("other.co.uk"))).outcome.result,
      "fail",
    );
  } finally {
    await dns.close();
  }
});
