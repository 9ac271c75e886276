import assert from "node:assert/strict";
import {
  compileNetworks,
  formatCidr,
  inNetworks,
  isIpAddress,
  isValidCidr,
  mynetworksForStyle,
  netmaskPrefix,
  networkContains,
  NetworkSyntaxError,
  parseCidr,
  parseIpAddress,
} from "../../../src/policy/networks.ts";

Deno.test("parseIpAddress accepts IPv4 and IPv6 forms", () => {
  assert.deepEqual(parseIpAddress("192.0.2.1")?.bytes, [192, 0, 2, 1]);
  assert.equal(parseIpAddress("::1")?.family, 6);
  assert.equal(
    parseIpAddress("2001:DB8::8:800:200C:417A")?.text,
    "2001:db8::8:800:200c:417a",
  );
  // A mapped address is the IPv4 address it carries.
  assert.deepEqual(parseIpAddress("::ffff:1.2.3.4")?.text, "1.2.3.4");
  assert.equal(parseIpAddress("fe80::1%eth0")?.text, "fe80::1");
});

Deno.test("parseIpAddress refuses malformed addresses", () => {
  for (
    const text of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.-4",
      "a.b.c.d",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      ":1::",
      "1::2:",
      "12345::",
      "1.2.3.4::",
      "::1.2.3.4:5",
      "1:2:3:4:5:6:7::8",
      "localhost",
    ]
  ) {
    assert.equal(parseIpAddress(text), undefined, text);
    assert.equal(isIpAddress(text), false, text);
  }
});

Deno.test("parsed addresses are written as RFC 5952 says", () => {
  const cases: Array<[string, string]> = [
    ["2001:0DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["::ffff:c000:0201", "192.0.2.1"],
    ["10.0.0.1", "10.0.0.1"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(parseIpAddress(input)?.text, expected, input);
  }
});

Deno.test("parseCidr reads Postfix mynetworks forms", () => {
  assert.equal(formatCidr(parseCidr("127.0.0.0/8")), "127.0.0.0/8");
  assert.equal(formatCidr(parseCidr("[::ffff:10.0.0.0]/104")), "10.0.0.0/8");
  assert.equal(formatCidr(parseCidr("[::1]/128")), "::1/128");
  assert.equal(formatCidr(parseCidr("2001:DB8::/32")), "2001:db8::/32");
  assert.equal(formatCidr(parseCidr("192.0.2.7")), "192.0.2.7/32");
  assert.equal(formatCidr(parseCidr("::1")), "::1/128");
  assert.equal(formatCidr(parseCidr("0.0.0.0/0")), "0.0.0.0/0");
});

Deno.test("parseCidr names what is wrong", () => {
  const cases: Array<[string, RegExp]> = [
    ["10.1.2.3/8", /host bits set .*did you mean "10\.0\.0\.0\/8"/],
    ["2001:db8::1/32", /did you mean "2001:db8::\/32"/],
    ["10.0.0.0/33", /prefix length above 32/],
    ["::/129", /prefix length above 128/],
    ["10.0.0.0/", /bad prefix length/],
    ["10.0.0.0/08", /bad prefix length/],
    ["10.0.0.0/x", /bad prefix length/],
    ["[10.0.0.0]/8", /brackets are for IPv6 only/],
    ["fe80::%eth0/64", /zone index/],
    ["example.com/24", /not an IP address/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCidr(text), message, text);
    assert.equal(isValidCidr(text), false, text);
  }
  assert.equal(isValidCidr("10.0.0.0/8"), true);
});

Deno.test("parseCidr errors carry the text and the problem", () => {
  assert.throws(() => parseCidr("10.0.0.0/40"), (e: unknown) => {
    assert.ok(e instanceof NetworkSyntaxError);
    assert.equal(
      e.message,
      'Bad network "10.0.0.0/40": prefix length above 32',
    );
    assert.equal(e.text, "10.0.0.0/40");
    assert.equal(e.problem, "prefix length above 32");
    return true;
  });
});

Deno.test("inNetworks matches IPv4 and IPv6 networks", () => {
  const networks = ["127.0.0.0/8", "192.168.1.0/24", "[2001:db8::]/32"];
  assert.equal(inNetworks("127.0.0.1", networks), true);
  assert.equal(inNetworks("127.255.255.255", networks), true);
  assert.equal(inNetworks("128.0.0.1", networks), false);
  assert.equal(inNetworks("192.168.1.200", networks), true);
  assert.equal(inNetworks("192.168.2.1", networks), false);
  assert.equal(inNetworks("2001:db8:ffff::1", networks), true);
  assert.equal(inNetworks("2001:db9::1", networks), false);
  assert.equal(inNetworks("::1", networks), false);
  assert.equal(inNetworks("not an address", networks), false);
  assert.equal(inNetworks("10.0.0.1", []), false);
  assert.equal(inNetworks("203.0.113.9", ["0.0.0.0/0"]), true);
  assert.equal(inNetworks("203.0.113.9", ["::/0"]), false);
});

Deno.test("inNetworks matches IPv4-mapped clients against IPv4 networks", () => {
  const networks = ["127.0.0.0/8", "::1/128"];
  assert.equal(inNetworks("::ffff:127.0.0.1", networks), true);
  assert.equal(inNetworks("::FFFF:7f00:1", networks), true);
  assert.equal(inNetworks("::ffff:10.0.0.1", networks), false);
  // A mapped network matches the plain IPv4 clients it contains.
  assert.equal(inNetworks("10.1.2.3", ["[::ffff:10.0.0.0]/104"]), true);
  assert.equal(inNetworks("11.1.2.3", ["[::ffff:10.0.0.0]/104"]), false);
  // The IPv4-compatible form ::a.b.c.d is not a mapped address.
  assert.equal(inNetworks("::127.0.0.1", networks), false);
});

Deno.test("inNetworks sees edits to a list that is not frozen", () => {
  const networks = ["10.0.0.0/8"];
  assert.equal(inNetworks("192.0.2.1", networks), false);
  networks.push("192.0.2.0/24");
  assert.equal(inNetworks("192.0.2.1", networks), true);
  const frozen = Object.freeze(["10.0.0.0/8"]);
  assert.equal(inNetworks("10.9.9.9", frozen), true);
  assert.equal(inNetworks("10.9.9.9", frozen), true);
});

Deno.test("inNetworks throws on a malformed network entry", () => {
  assert.throws(() => inNetworks("10.0.0.1", ["10.0.0.0/99"]), /above 32/);
});

Deno.test("compileNetworks and networkContains agree", () => {
  const matcher = compileNetworks(["10.0.0.0/12", "fd00::/8"]);
  for (
    const text of ["10.15.255.255", "10.16.0.0", "fd12::1", "fe80::1"]
  ) {
    const address = parseIpAddress(text);
    assert.ok(address);
    const expected = networkContains(parseCidr("10.0.0.0/12"), address) ||
      networkContains(parseCidr("fd00::/8"), address);
    assert.equal(matcher(address), expected, text);
  }
  const inside = parseIpAddress("10.15.0.1");
  assert.ok(inside);
  assert.equal(matcher(inside), true);
});

Deno.test("netmaskPrefix counts contiguous mask bits", () => {
  assert.equal(netmaskPrefix("255.255.255.0"), 24);
  assert.equal(netmaskPrefix("255.255.240.0"), 20);
  assert.equal(netmaskPrefix("0.0.0.0"), 0);
  assert.equal(netmaskPrefix("ffff:ffff:ffff:ffff::"), 64);
  assert.equal(netmaskPrefix("255.0.255.0"), undefined);
  assert.equal(netmaskPrefix("bogus"), undefined);
});

const INTERFACES = [
  { family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" },
  {
    family: "IPv6",
    address: "::1",
    netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  },
  { family: "IPv4", address: "192.168.1.5", netmask: "255.255.255.0" },
  { family: "IPv4", address: "172.16.4.2", netmask: "255.255.0.0" },
  { family: "IPv4", address: "10.2.3.4", netmask: "255.255.255.0" },
  {
    family: "IPv6",
    address: "2001:db8:1:2::5",
    netmask: "ffff:ffff:ffff:ffff::",
  },
] as const;

Deno.test("mynetworksForStyle host lists each interface address", () => {
  assert.deepEqual(mynetworksForStyle("host", INTERFACES), [
    "127.0.0.0/8",
    "::1/128",
    "192.168.1.5/32",
    "172.16.4.2/32",
    "10.2.3.4/32",
    "2001:db8:1:2::5/128",
  ]);
  assert.deepEqual(mynetworksForStyle("host", []), ["127.0.0.0/8", "::1/128"]);
});

Deno.test("mynetworksForStyle subnet uses the interface netmasks", () => {
  assert.deepEqual(mynetworksForStyle("subnet", INTERFACES), [
    "127.0.0.0/8",
    "::1/128",
    "192.168.1.0/24",
    "172.16.0.0/16",
    "10.2.3.0/24",
    "2001:db8:1:2::/64",
  ]);
});

Deno.test("mynetworksForStyle class uses class A/B/C, subnet for IPv6", () => {
  assert.deepEqual(mynetworksForStyle("class", INTERFACES), [
    "127.0.0.0/8",
    "::1/128",
    "192.168.1.0/24",
    "172.16.0.0/16",
    "10.0.0.0/8",
    "2001:db8:1:2::/64",
  ]);
});
