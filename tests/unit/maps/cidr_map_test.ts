import assert from "node:assert/strict";
import { cidrLookup, parseCidrTable } from "../../../src/maps/cidr_map.ts";
import { openMap } from "../../../src/maps/mod.ts";

const TABLE = `# client networks
192.0.2.0/24      REJECT no thanks
192.0.2.128/25    OK
[2001:db8::]/32   OK
2001:db8:1::/48   REJECT never reached
198.51.100.7      DUNNO
10.0.0.0/8        554 long
   text
bogus/8           OK
10.1.2.3/8        OK
`;

Deno.test("a cidr table answers the first network holding the address", () => {
  const { rules, warnings } = parseCidrTable(TABLE, "/etc/x.cidr");
  assert.equal(cidrLookup(rules, "192.0.2.200"), "REJECT no thanks");
  assert.equal(cidrLookup(rules, "::ffff:192.0.2.1"), "REJECT no thanks");
  assert.equal(cidrLookup(rules, "2001:db8:1::5"), "OK");
  assert.equal(cidrLookup(rules, "198.51.100.7"), "DUNNO");
  assert.equal(cidrLookup(rules, "198.51.100.8"), undefined);
  assert.equal(cidrLookup(rules, "10.9.9.9"), "554 long text");
  assert.equal(cidrLookup(rules, "2001:db9::1"), undefined);
  assert.equal(cidrLookup(rules, "example.com"), undefined);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /"\/etc\/x\.cidr", line 9: .*not an IP address/);
  assert.match(warnings[1], /line 10: .*did you mean "10\.0\.0\.0\/8"/);
});

Deno.test("openMap opens cidr: tables from a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/clients.cidr`, "127.0.0.0/8 OK\n");
    const table = openMap(`cidr:${dir}/clients.cidr`, {
      log: { warning() {} },
    });
    assert.equal(await table.lookup("127.0.0.2"), "OK");
    assert.equal(await table.lookup("192.0.2.1"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
