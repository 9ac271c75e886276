/** Tests for domain_list.ts: names, list files and tables; parent domains. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createMapCache, LookupTableError } from "../../../src/maps/mod.ts";
import {
  createDomainLists,
  domainAndParents,
  parseDomainList,
} from "../../../src/resolve/domain_list.ts";
import { withTempDir } from "../delivery/test_message.ts";

Deno.test("domainAndParents: the domain, then each parent, nearest first", () => {
  assert.deepEqual(domainAndParents("a.b.example.com"), [
    "a.b.example.com",
    "b.example.com",
    "example.com",
    "com",
  ]);
  assert.deepEqual(domainAndParents("localhost"), ["localhost"]);
});

Deno.test("parseDomainList: first column, folded; blanks and comments skipped", () => {
  assert.deepEqual(
    [...parseDomainList("# relayed\nOne.Test.  OK\n\n  two.test\n")],
    ["one.test", "two.test"],
  );
});

Deno.test("matches: names, list files and tables; subdomains only with parents", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "relay"), "file.test OK\n");
    await Deno.writeTextFile(join(dir, "plain"), "plain.test\n");
    const lists = createDomainLists(createMapCache());
    const items = [
      "name.test",
      `hash:${dir}/relay`,
      `${dir}/plain`,
      "inline:{ table.test=OK }",
    ];
    for (
      const domain of ["Name.Test.", "file.test", "plain.test", "table.test"]
    ) {
      assert.equal(await lists.matches(items, domain), true, domain);
      assert.equal(
        await lists.matches(items, `mx.${domain}`),
        false,
        `mx.${domain}`,
      );
      assert.equal(
        await lists.matches(items, `a.mx.${domain}`, { parents: true }),
        true,
        `a.mx.${domain} with parents`,
      );
    }
    assert.equal(await lists.matches(items, "other.test"), false);
    assert.equal(
      await lists.matches(items, "other.test", { parents: true }),
      false,
    );
    // A parent never matches through a longer name.
    assert.equal(
      await lists.matches(["example.com"], "badexample.com", { parents: true }),
      false,
    );
    assert.equal(await lists.matches(items, ""), false);
  });
});

Deno.test("matches: the first matching item decides; an unreadable table after it is not read", async () => {
  const lists = createDomainLists(createMapCache());
  const items = ["ok.test", "hash:/nonexistent/mailsrv-test/relay"];
  assert.equal(await lists.matches(items, "ok.test"), true);
  await assert.rejects(
    () => lists.matches(items, "other.test"),
    LookupTableError,
  );
});
