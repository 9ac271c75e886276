import assert from "node:assert/strict";
import { join } from "node:path";
import { lookupClientName, reverseName } from "../../../src/net/client_name.ts";
import { createResolver } from "../../../src/dns/resolver.ts";
import { watchResolvConf } from "../../../src/dns/resolv_conf.ts";
import { startDnsServer } from "../../helpers/dns_server.ts";

Deno.test("reverseName writes in-addr.arpa and ip6.arpa names", () => {
  assert.equal(reverseName("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  assert.equal(
    reverseName("2001:db8::1"),
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
  );
});

Deno.test("the client name is the PTR name only when its address records confirm it", async () => {
  const ptr = (address: string, name: string) => ({
    [reverseName(address)!]: [{
      type: "PTR" as const,
      name: reverseName(address)!,
      data: name,
    }],
  });
  const dns = await startDnsServer({
    records: {
      ...ptr("192.0.2.1", "mail.example.com"),
      ...ptr("192.0.2.2", "forged.example.com"),
      "mail.example.com": [{
        type: "A",
        name: "mail.example.com",
        data: "192.0.2.1",
      }],
      "forged.example.com": [{
        type: "A",
        name: "forged.example.com",
        data: "198.51.100.1",
      }],
    },
    servfail: [reverseName("192.0.2.4")!],
  });
  const dir = await Deno.makeTempDir();
  try {
    const conf = join(dir, "resolv.conf");
    await Deno.writeTextFile(
      conf,
      `${dns.nameserverLine}\noptions timeout:1 attempts:1\n`,
    );
    const resolver = createResolver({ resolvConf: watchResolvConf(conf) });
    assert.deepEqual(await lookupClientName("192.0.2.1", resolver, 5000), {
      name: "mail.example.com",
      address: "192.0.2.1",
      reverseName: "mail.example.com",
      nameTempfail: false,
    });
    assert.deepEqual(await lookupClientName("192.0.2.2", resolver, 5000), {
      name: "unknown",
      address: "192.0.2.2",
      reverseName: "forged.example.com",
      nameTempfail: false,
    });
    assert.equal(
      (await lookupClientName("192.0.2.3", resolver, 5000)).name,
      "unknown",
    );
    assert.equal(
      (await lookupClientName("192.0.2.4", resolver, 5000)).nameTempfail,
      true,
    );
    assert.equal(
      (await lookupClientName("127.0.0.2", resolver, 5000)).name,
      "localhost",
    );
  } finally {
    await dns.close();
    await Deno.remove(dir, { recursive: true });
  }
});
