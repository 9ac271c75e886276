/** Tests for rewrite_address.ts and envelope_address.ts: canonical forms. */
import assert from "node:assert/strict";
import { splitEnvelopeAddress } from "../../../src/resolve/envelope_address.ts";
import {
  rewriteAddress,
  rewriteSender,
} from "../../../src/resolve/rewrite_address.ts";

const config = {
  mydestination: ["example.org", "localhost"],
  myorigin: "Example.ORG",
};

Deno.test("splitEnvelopeAddress: the last @ outside quotes separates", () => {
  assert.deepEqual(splitEnvelopeAddress("a@b@c.test"), {
    localText: "a@b",
    localPart: "a@b",
    domain: "c.test",
  });
  assert.deepEqual(splitEnvelopeAddress('"a@b"@c.test'), {
    localText: '"a@b"',
    localPart: "a@b",
    domain: "c.test",
  });
  assert.deepEqual(splitEnvelopeAddress('"a@b"'), {
    localText: '"a@b"',
    localPart: "a@b",
  });
  assert.deepEqual(splitEnvelopeAddress('"a\\"b"@x'), {
    localText: '"a\\"b"',
    localPart: 'a"b',
    domain: "x",
  });
  assert.deepEqual(splitEnvelopeAddress("bob@"), {
    localText: "bob",
    localPart: "bob",
  });
});

Deno.test("rewriteAddress: names the relay trick", () => {
  const trick = (input: Parameters<typeof rewriteAddress>[0]) =>
    rewriteAddress(input, config).relayTrick;
  assert.equal(trick("a@example.org"), undefined);
  assert.equal(trick("a%b@example.org"), '"%" in the local part');
  assert.equal(trick("b!a@example.org"), '"!" in the local part');
  assert.equal(trick('"a@b"@example.org'), '"@" in the local part');
  assert.equal(
    trick({ address: "a@example.org", sourceRoute: true }),
    "source route",
  );
});

Deno.test("rewriteSender: qualifies, folds the domain, keeps the null sender", () => {
  assert.equal(rewriteSender("", config), "");
  assert.equal(rewriteSender("joe", config), "joe@example.org");
  assert.equal(rewriteSender("postmaster", config), "postmaster@example.org");
  assert.equal(rewriteSender('"a b"@X.Example.', config), '"a b"@x.example');
});
