import assert from "node:assert/strict";
import {
  hasSrsTag,
  srsForward,
  srsHash,
  srsReverse,
  srsTimestamp,
} from "../../../src/srs/srs_address.ts";

// 2024-01-15T12:00:00Z: day 19737, stamp "IZ". The expected addresses
// were computed apart from this code (Python hmac, sha1, base64).
const NOON = 1705320000000;
const DAY = 86_400_000;
const DOMAIN = "srs.example.net";
const SECRETS = ["s3cret"];

Deno.test("srs: the day stamp is two base32 characters of the day number", () => {
  assert.equal(srsTimestamp(NOON), "IZ");
  assert.equal(srsTimestamp(0), "AA");
  // Day 1023 is the last of a 1024-day cycle; day 1024 starts again.
  assert.equal(srsTimestamp(1023 * DAY), "77");
  assert.equal(srsTimestamp(1024 * DAY), "AA");
});

Deno.test("srs: SRS0 of a plain sender, as postsrsd writes it", () => {
  assert.equal(
    srsForward("Alice@example.org", DOMAIN, SECRETS, NOON),
    "SRS0=EU7j=IZ=example.org=Alice@srs.example.net",
  );
  assert.equal(srsHash("s3cret", ["IZ", "example.org", "Alice"]), "EU7j");
});

Deno.test("srs: an SRS0 address of another forwarder becomes SRS1", () => {
  const srs1 = srsForward(
    "SRS0=ABCD=XY=example.org=bob@fwd.example",
    DOMAIN,
    SECRETS,
    NOON,
  );
  assert.equal(
    srs1,
    "SRS1=C0jh=fwd.example==ABCD=XY=example.org=bob@srs.example.net",
  );
  // Reversed, it goes back to the first forwarder, unchanged.
  assert.deepEqual(srsReverse(srs1, SECRETS, NOON), {
    kind: "valid",
    address: "SRS0=ABCD=XY=example.org=bob@fwd.example",
  });
  // An SRS1 address forwarded again keeps the first forwarder, re-signed.
  const again = srsForward(
    "SRS1=xxxx=fwd.example==ABCD=XY=example.org=bob@other.example",
    DOMAIN,
    SECRETS,
    NOON,
  );
  assert.equal(again, srs1);
});

Deno.test("srs: forward then reverse gives the sender back", () => {
  for (
    const sender of [
      "alice@example.org",
      "Mixed.Case+tag@Sub.Example.ORG",
      "a=b@example.org",
      "user@xn--bcher-kva.example",
    ]
  ) {
    const srs = srsForward(sender, DOMAIN, SECRETS, NOON);
    assert.match(srs, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=/);
    assert.deepEqual(srsReverse(srs, SECRETS, NOON + 20 * DAY), {
      kind: "valid",
      address: sender,
    });
  }
});

Deno.test("srs: the hash and tag are checked without regard to case", () => {
  const srs = "SRS0=EU7j=IZ=example.org=Alice@srs.example.net";
  for (const folded of [srs.toLowerCase(), srs.toUpperCase()]) {
    const result = srsReverse(folded, SECRETS, NOON);
    assert.equal(result.kind, "valid", folded);
  }
  assert.deepEqual(srsReverse(srs.toLowerCase(), SECRETS, NOON), {
    kind: "valid",
    address: "alice@example.org",
  });
});

Deno.test("srs: 21 days old verifies, 22 days old has expired", () => {
  const srs = srsForward("alice@example.org", DOMAIN, SECRETS, NOON);
  assert.equal(srsReverse(srs, SECRETS, NOON + 21 * DAY).kind, "valid");
  assert.deepEqual(srsReverse(srs, SECRETS, NOON + 22 * DAY), {
    kind: "invalid",
    reason: "expired",
  });
  // A stamp from "tomorrow" is one from the last 1024-day cycle.
  assert.deepEqual(srsReverse(srs, SECRETS, NOON - DAY), {
    kind: "invalid",
    reason: "expired",
  });
});

Deno.test("srs: a tampered address does not verify", () => {
  const srs = "SRS0=EU7j=IZ=example.org=Alice@srs.example.net";
  const tampered = [
    srs.replace("Alice", "Mallory"),
    srs.replace("example.org", "example.com"),
    srs.replace("EU7j", "EU7k"),
    srs.replace("EU7j", "EU7jX"),
  ];
  for (const address of tampered) {
    assert.deepEqual(srsReverse(address, SECRETS, NOON), {
      kind: "invalid",
      reason: "bad hash",
    }, address);
  }
  assert.deepEqual(srsReverse(srs, ["other"], NOON), {
    kind: "invalid",
    reason: "bad hash",
  });
  assert.deepEqual(
    srsReverse(srs.replace("=IZ=", "=I1="), SECRETS, NOON),
    { kind: "invalid", reason: "bad timestamp" },
  );
  for (
    const malformed of [
      "SRS0=EU7j@srs.example.net",
      "SRS0=EU7j=IZ=example.org@srs.example.net",
      "SRS0==IZ=example.org=Alice@srs.example.net",
      "SRS1=abcd=host@srs.example.net",
    ]
  ) {
    assert.deepEqual(srsReverse(malformed, SECRETS, NOON), {
      kind: "invalid",
      reason: "malformed",
    }, malformed);
  }
});

Deno.test("srs: every secret verifies, the first one signs", () => {
  const old = srsForward("alice@example.org", DOMAIN, ["old"], NOON);
  const rotated = ["new", "old"];
  assert.equal(srsReverse(old, rotated, NOON).kind, "valid");
  const fresh = srsForward("alice@example.org", DOMAIN, rotated, NOON);
  assert.equal(fresh, srsForward("alice@example.org", DOMAIN, ["new"], NOON));
  assert.notEqual(fresh, old);
  assert.equal(srsReverse(fresh, ["old"], NOON).kind, "invalid");
});

Deno.test("srs: what is left alone", () => {
  // Our own SRS addresses, addresses in srs_domain, no domain at all.
  const ours = srsForward("alice@example.org", DOMAIN, SECRETS, NOON);
  assert.equal(srsForward(ours, DOMAIN, SECRETS, NOON), ours);
  assert.equal(
    srsForward("bob@SRS.example.net", DOMAIN, SECRETS, NOON),
    "bob@SRS.example.net",
  );
  assert.equal(srsForward("bob", DOMAIN, SECRETS, NOON), "bob");
  assert.throws(() => srsForward("a@example.org", DOMAIN, [], NOON));
  assert.deepEqual(srsReverse("alice@example.org", SECRETS, NOON), {
    kind: "not-srs",
  });
  assert.equal(hasSrsTag("srs0+abcd=IZ=a=b@x"), true);
  assert.equal(hasSrsTag("SRS2=abcd=IZ=a=b@x"), false);
  assert.equal(hasSrsTag("SRS0@x"), false);
  assert.equal(hasSrsTag("SRS0xabc@x"), false);
});
