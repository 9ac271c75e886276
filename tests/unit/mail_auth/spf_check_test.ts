/**
 * SPF through mailauth with mailsrv's resolver, against a DNS server the
 * test runs, compared with Debian's python3-spf on the same records.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createResolver } from "../../../src/dns/resolver.ts";
import { checkSpf, mailauthResolver } from "../../../src/mail_auth/mod.ts";
import { startDnsServer, type TestZone } from "../../helpers/dns_server.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(
  new URL("../../helpers/spf_check.py", import.meta.url),
);
const CLIENT = "192.0.2.10";

function txt(text: string) {
  return { type: "TXT" as const, name: "", data: [text] };
}
function a(address: string) {
  return { type: "A" as const, name: "", data: address };
}

const tooMany = Array.from({ length: 11 }, (_, i) => `a:h${i}.lim.test`);
/** Gives every record its owner name (the resolver checks it). */
function owned(zone: TestZone): TestZone {
  for (const [name, answers] of Object.entries(zone.records)) {
    zone.records[name] = answers.map((r) => ({ ...r, name }));
  }
  return zone;
}

const zone: TestZone = owned({
  records: {
    "pass.test": [txt("v=spf1 ip4:192.0.2.0/24 -all")],
    "mx.test": [txt("v=spf1 mx -all"), {
      type: "MX",
      name: "",
      data: { preference: 10, exchange: "mail.mx.test" },
    }],
    "mail.mx.test": [a(CLIENT)],
    "fail.test": [txt("v=spf1 ip4:198.51.100.1 -all")],
    "softfail.test": [txt("v=spf1 ~all")],
    "neutral.test": [txt("v=spf1 ?all")],
    "none.test": [a("198.51.100.7")],
    "syntax.test": [txt("v=spf1 ip4:192.0.2.0/24 bogus:x -all")],
    "lookups.test": [txt(`v=spf1 ${tooMany.join(" ")} -all`)],
    ...Object.fromEntries(
      Array.from(
        { length: 11 },
        (_, i) => [`h${i}.lim.test`, [a("198.51.100.9")]],
      ),
    ),
    "void.test": [
      txt("v=spf1 a:v1.void.test a:v2.void.test a:v3.void.test -all"),
    ],
    "include.test": [txt("v=spf1 include:broken.test -all")],
  },
  nxdomain: ["v1.void.test", "v2.void.test", "v3.void.test"],
  servfail: ["temp.test", "broken.test"],
});

const cases: [string, string][] = [
  ["alice@pass.test", "pass"],
  ["alice@mx.test", "pass"],
  ["alice@fail.test", "fail"],
  ["alice@softfail.test", "softfail"],
  ["alice@neutral.test", "neutral"],
  ["alice@none.test", "none"],
  ["alice@syntax.test", "permerror"],
  ["alice@lookups.test", "permerror"],
  ["alice@void.test", "permerror"],
  ["alice@temp.test", "temperror"],
  ["alice@include.test", "temperror"],
];

async function pyspf(port: number, sender: string): Promise<string> {
  const out = await new Deno.Command(PYTHON, {
    args: [SCRIPT, String(port), CLIENT, sender, "client.example"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("SPF results agree with python3-spf on the same records", async (t) => {
  const dns = await startDnsServer(zone);
  try {
    const resolver = mailauthResolver(createResolver({
      resolvConf: () => ({
        servers: [{ address: "127.0.0.1", port: dns.port }],
        timeout: 2000,
        attempts: 1,
        rotate: false,
      }),
    }));
    const python = (await Deno.stat(PYTHON).catch(() => null)) !== null &&
      (await new Deno.Command(PYTHON, { args: ["-c", "import spf"] }).output())
        .success;
    if (!python && Deno.env.get("CI") === "true") {
      throw new Error("python3-spf is missing (apt-get install python3-spf)");
    }
    for (const [sender, expected] of cases) {
      await t.step(`${sender}: ${expected}`, async () => {
        const outcome = await checkSpf({
          clientAddress: CLIENT,
          helo: "client.example",
          sender,
          myhostname: "mx.example.org",
          resolver,
        });
        assert.equal(outcome.result, expected);
        assert.match(outcome.entry, new RegExp(`^spf=${expected}\\b`));
        if (python) assert.equal(await pyspf(dns.port, sender), expected);
        else console.log("python3-spf missing: mailsrv's side only");
      });
    }
  } finally {
    await dns.close();
  }
});

Deno.test("the null sender is checked as postmaster@HELO", async () => {
  const dns = await startDnsServer(owned({
    records: { "client.example": [txt("v=spf1 ip4:192.0.2.10 -all")] },
  }));
  try {
    const outcome = await checkSpf({
      clientAddress: CLIENT,
      helo: "client.example",
      sender: "",
      myhostname: "mx.example.org",
      resolver: mailauthResolver(createResolver({
        resolvConf: () => ({
          servers: [{ address: "127.0.0.1", port: dns.port }],
          timeout: 2000,
          attempts: 1,
          rotate: false,
        }),
      })),
    });
    assert.equal(outcome.result, "pass");
    assert.equal(outcome.scope, "helo");
    assert.equal(outcome.identity, "postmaster@client.example");
  } finally {
    await dns.close();
  }
});
