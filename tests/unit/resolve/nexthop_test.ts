/** Tests for nexthop.ts: the SMTP transports' destinations. */
import assert from "node:assert/strict";
import {
  NexthopSyntaxError,
  parseNexthop,
  parseNexthopList,
} from "../../../src/resolve/nexthop.ts";

Deno.test("parseNexthop: domains and host names, with and without MX lookup", () => {
  assert.deepEqual(parseNexthop("Example.COM."), {
    host: "example.com",
    port: 25,
    mxLookup: true,
  });
  assert.deepEqual(parseNexthop("mail.example.com:587"), {
    host: "mail.example.com",
    port: 587,
    mxLookup: true,
  });
  assert.deepEqual(parseNexthop("[mx.example.com]:587"), {
    host: "mx.example.com",
    port: 587,
    mxLookup: false,
  });
  assert.deepEqual(parseNexthop("[MX.example.com]"), {
    host: "mx.example.com",
    port: 25,
    mxLookup: false,
  });
  assert.deepEqual(parseNexthop(" smtp.provider.example:submission "), {
    host: "smtp.provider.example",
    port: 587,
    mxLookup: true,
  });
  assert.equal(parseNexthop("[relay.example]:smtps").port, 465);
});

Deno.test("parseNexthop: the default port is the caller's", () => {
  assert.equal(parseNexthop("example.com", 2525).port, 2525);
  assert.equal(parseNexthop("[example.com]", 24).port, 24);
  assert.equal(parseNexthop("example.com:25", 2525).port, 25);
});

Deno.test("parseNexthop: IP address literals", () => {
  assert.deepEqual(parseNexthop("[192.0.2.1]"), {
    host: "192.0.2.1",
    port: 25,
    mxLookup: false,
    ipVersion: 4,
  });
  assert.deepEqual(parseNexthop("[192.0.2.1]:2525"), {
    host: "192.0.2.1",
    port: 2525,
    mxLookup: false,
    ipVersion: 4,
  });
  // An address is never looked up as a domain, brackets or not.
  assert.deepEqual(parseNexthop("10.0.0.1:25"), {
    host: "10.0.0.1",
    port: 25,
    mxLookup: false,
    ipVersion: 4,
  });
  for (
    const text of ["[ipv6:2001:DB8::1]", "[IPv6:2001:db8::1]", "[2001:db8::1]"]
  ) {
    assert.deepEqual(parseNexthop(text), {
      host: "2001:db8::1",
      port: 25,
      mxLookup: false,
      ipVersion: 6,
    }, text);
  }
  assert.deepEqual(parseNexthop("[ipv6:::1]:587"), {
    host: "::1",
    port: 587,
    mxLookup: false,
    ipVersion: 6,
  });
});

Deno.test("parseNexthop: what is not a destination is refused, quoted", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /"": it is empty/],
    ["[mx.example.com", /no closing "\]"/],
    ["[mx.example.com]x", /unexpected "x" after "\]"/],
    ["[mx.example.com]:", /"" is not a port number/],
    ["example.com:0", /"0" is not a port number \(1-65535\)/],
    ["example.com:65536", /"65536" is not a port number/],
    ["example.com:http", /"http" is not a port number .* or service name/],
    ["2001:db8::1", /IPv6 address must be written in brackets/],
    ["[ipv6:mx.example.com]", /"mx\.example\.com" is not an IPv6 address/],
    ["[]", /no host name/],
    [":25", /no host name/],
    ["bad host.example", /"bad host\.example" is not a host name/],
    ["a..b", /"a\.\.b" is not a host name/],
    ["-x.example", /is not a host name/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseNexthop(text), (error: unknown) => {
      assert.ok(error instanceof NexthopSyntaxError, text);
      assert.match(error.message, /^bad nexthop destination "/);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("parseNexthopList: commas or whitespace between destinations", () => {
  assert.deepEqual(
    parseNexthopList("mail1.example:587, mail2.example:587 [10.0.0.1]").map(
      (hop) => `${hop.host}:${hop.port}:${hop.mxLookup}`,
    ),
    ["mail1.example:587:true", "mail2.example:587:true", "10.0.0.1:25:false"],
  );
  assert.throws(() => parseNexthopList(" , "), /it is empty/);
  assert.throws(() => parseNexthopList("ok.example, [bad"), /\[bad/);
});
