import assert from "node:assert/strict";
import {
  domainOf,
  isSafeLocalPart,
  localPartOf,
  splitExtension,
} from "../../../src/resolve/local_part.ts";

Deno.test("localPartOf: before the last @, unquoted", () => {
  assert.equal(localPartOf("bob@example.org"), "bob");
  assert.equal(localPartOf("postmaster"), "postmaster");
  assert.equal(localPartOf('"a@b"@example.org'), "a@b");
  assert.equal(localPartOf('"john \\"j\\" doe"@x'), 'john "j" doe');
});

Deno.test("domainOf: lower-cased, without the trailing dot", () => {
  assert.equal(domainOf("bob@Example.ORG."), "example.org");
  assert.equal(domainOf("postmaster"), "");
});

Deno.test("isSafeLocalPart: names that cannot leave a mailbox directory", () => {
  for (const name of ["bob", "bob.smith", "b-o_b", "a.", "é"]) {
    assert.equal(isSafeLocalPart(name), true, name);
  }
  for (
    const name of [
      "",
      ".",
      "..",
      ".hidden",
      "a/b",
      "/etc",
      "a..b",
      "a\0b",
      "a\nb",
      "a\x7fb",
    ]
  ) {
    assert.equal(isSafeLocalPart(name), false, JSON.stringify(name));
  }
});

Deno.test("splitExtension: at the first delimiter character", () => {
  assert.deepEqual(splitExtension("bob+lists", "+"), {
    user: "bob",
    extension: "lists",
  });
  assert.deepEqual(splitExtension("bob+a+b", "+"), {
    user: "bob",
    extension: "a+b",
  });
  assert.deepEqual(splitExtension("bob-x+y", "+-"), {
    user: "bob",
    extension: "x+y",
  });
  assert.deepEqual(splitExtension("bob+", "+"), { user: "bob", extension: "" });
});

Deno.test("splitExtension: the cases Postfix never splits", () => {
  for (
    const [localPart, delimiters] of [
      ["bob+x", ""],
      ["+x", "+"],
      ["bob", "+"],
      ["postmaster", "t"],
      ["MAILER-DAEMON", "-"],
      ["owner-list", "-"],
      ["list-request", "-"],
    ]
  ) {
    assert.deepEqual(splitExtension(localPart, delimiters), {
      user: localPart,
    }, localPart);
  }
  assert.deepEqual(splitExtension("owner-list", "+"), { user: "owner-list" });
});
