import assert from "node:assert/strict";
import {
  isDomainName,
  parseBoolean,
  parseDomainName,
  parseDuration,
  parseInteger,
  splitList,
  ValueError,
} from "../../../src/config/values.ts";

Deno.test("splitList splits on commas and white space like Postfix", () => {
  assert.deepEqual(splitList("a, b c,d\n\te"), ["a", "b", "c", "d", "e"]);
  assert.deepEqual(splitList(" , "), []);
  assert.deepEqual(splitList(""), []);
  assert.deepEqual(splitList("hash:/etc/mailsrv/access"), [
    "hash:/etc/mailsrv/access",
  ]);
});

Deno.test("parseDuration reads seconds and s/m/h/d/w units", () => {
  assert.equal(parseDuration("300"), 300);
  assert.equal(parseDuration("300s"), 300);
  assert.equal(parseDuration("5m"), 300);
  assert.equal(parseDuration("2h"), 7200);
  assert.equal(parseDuration("1d"), 86400);
  assert.equal(parseDuration("1w"), 604800);
  assert.equal(parseDuration(" 0s "), 0);
  for (const bad of ["", "5 m", "5min", "-5s", "1.5h", "h"]) {
    assert.throws(() => parseDuration(bad), ValueError, bad);
  }
  assert.throws(() => parseDuration("99999999999999999w"), /too large/);
  assert.throws(
    () => parseDuration("5 minutes"),
    /^ValueError: "5 minutes" is not a duration \(use seconds or a number with s, m, h, d or w\)$/,
  );
});

Deno.test("parseInteger reads decimal digits only", () => {
  assert.equal(parseInteger("10240000"), 10240000);
  assert.equal(parseInteger("0"), 0);
  assert.throws(() => parseInteger("10M"), /"10M" is not a whole number/);
  assert.throws(() => parseInteger("-1"), /not a whole number/);
  assert.throws(() => parseInteger("1e6"), /not a whole number/);
  assert.throws(() => parseInteger("123456789012345678901"), /too large/);
});

Deno.test("parseBoolean reads yes/no and true/false", () => {
  assert.equal(parseBoolean("yes"), true);
  assert.equal(parseBoolean("No"), false);
  assert.equal(parseBoolean("true"), true);
  assert.equal(parseBoolean("false"), false);
  assert.throws(() => parseBoolean("maybe"), /"maybe" is not "yes" or "no"/);
});

Deno.test("domain names are letters, digits, hyphens and dots", () => {
  assert.equal(isDomainName("mx1.example.com"), true);
  assert.equal(isDomainName("localhost"), true);
  assert.equal(isDomainName("xn--bcher-kva.example"), true);
  for (
    const bad of [
      "",
      "mx_1.example.com",
      "-a.example",
      "a-.example",
      "a..b",
      ".a",
      "a b",
      "exa$mple.com",
      `${"a".repeat(64)}.com`,
    ]
  ) {
    assert.equal(isDomainName(bad), false, bad);
  }
  assert.equal(parseDomainName("example.com."), "example.com");
  assert.equal(parseDomainName("Example.COM"), "Example.COM");
  assert.throws(
    () => parseDomainName("mx_1"),
    /"mx_1" is not a valid domain name \(letters, digits, hyphens and dots\)/,
  );
});
