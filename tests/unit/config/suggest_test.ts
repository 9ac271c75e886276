import assert from "node:assert/strict";
import {
  didYouMean,
  editDistance,
  suggestName,
} from "../../../src/config/suggest.ts";

Deno.test("editDistance counts insertions, deletions, substitutions, swaps", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("limit", "limt"), 1);
  assert.equal(editDistance("mynetworks", "mynetowrks"), 1);
  assert.equal(editDistance("same", "same"), 0);
});

Deno.test("suggestName finds the closest parameter name", () => {
  const names = ["message_size_limit", "mydestination", "mynetworks"];
  assert.equal(suggestName("message_size_limt", names), "message_size_limit");
  assert.equal(suggestName("MyNetworks", names), "mynetworks");
  assert.equal(suggestName("mydestinations", names), "mydestination");
  assert.equal(suggestName("relayhost", names), undefined);
  assert.equal(suggestName("x", names), undefined);
});

Deno.test("suggestName prefers the first of equally close candidates", () => {
  assert.equal(suggestName("port", ["sort", "fort"]), "sort");
});

Deno.test("didYouMean phrases the suggestion or says nothing", () => {
  assert.equal(
    didYouMean("adress", ["address", "port"]),
    ' (did you mean "address"?)',
  );
  assert.equal(didYouMean("colour", ["address", "port"]), "");
});
