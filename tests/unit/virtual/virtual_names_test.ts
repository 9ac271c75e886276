import assert from "node:assert/strict";
import {
  checkDomainName,
  checkLocalPart,
  parseVirtualAddress,
} from "../../../src/virtual/virtual_names.ts";
import { mailboxPath } from "../../../src/virtual/virtual_layout.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

Deno.test("names are lower-cased; a trailing dot is dropped", () => {
  assert.equal(checkDomainName("Example.ORG."), "example.org");
  assert.deepEqual(parseVirtualAddress("John.Doe+x@One.Test"), {
    user: "john.doe+x",
    domain: "one.test",
  });
});

Deno.test("unsafe local parts and bad domains are refused, naming the value", () => {
  for (
    const bad of ["../etc", "a/b", "a:b", ".a", "a.", "a..b", "", "a b", '"a"']
  ) {
    assert.throws(() => checkLocalPart(bad), /is not a safe local part/, bad);
  }
  for (
    const bad of [
      "",
      "-a.test",
      "a_b.test",
      "a..test",
      "x".repeat(64) + ".t",
      "1.2.3.4",
      "a/b",
    ]
  ) {
    assert.throws(
      () => checkDomainName(bad),
      /is not a valid domain name/,
      bad,
    );
  }
  assert.throws(() => parseVirtualAddress("alice"), /user@domain/);
});

Deno.test("a mailbox map value must stay inside virtual_mailbox_base", () => {
  const config = baseTestConfig({ virtual_mailbox_base: "/var/vmail" });
  assert.equal(
    mailboxPath(config, "one.test/alice/"),
    "/var/vmail/one.test/alice",
  );
  for (const value of ["../etc/", "/etc/passwd", "one.test/../../x", ""]) {
    assert.throws(() => mailboxPath(config, value), /not inside/, value);
  }
});
