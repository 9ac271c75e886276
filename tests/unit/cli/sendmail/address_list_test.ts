import assert from "node:assert/strict";
import { addressesIn } from "../../../../src/cli/sendmail/address_list.ts";

const TABLE: Array<[string, string[]]> = [
  ["bob", ["bob"]],
  ["Bob Smith <bob@example.com>", ["bob@example.com"]],
  ['"Doe, Jane" <jane@example.org>, carol', ["jane@example.org", "carol"]],
  ["bob@example.com (Bob, the (real) one)", ["bob@example.com"]],
  ["team: a@example.com, b@x.org;, c", ["a@example.com", "b@x.org", "c"]],
  ["undisclosed-recipients:;", []],
  ["<@relay.example:bob@example.com>", ["bob@example.com"]],
  ['"a b"@example.com', ['"a b"@example.com']],
  ["", []],
  ["a@b.c,,d@e.f", ["a@b.c", "d@e.f"]],
  ["<>", []],
];

Deno.test("address lists as mail programs write them", () => {
  for (const [text, addresses] of TABLE) {
    const result = addressesIn(text);
    assert.ok(result.ok, text);
    assert.deepEqual(result.addresses, addresses, text);
  }
});

Deno.test("unbalanced lists are refused with the reason", () => {
  for (const text of ["<bob@x", "bob (unclosed", '"open@x', "[1.2.3.4"]) {
    const result = addressesIn(text);
    assert.equal(result.ok, false, text);
  }
});
