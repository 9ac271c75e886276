/**
 * A virtual-domain setup for the virtual agent, verifier and router
 * tests: a mailbox base, a domains list, mailbox, alias and uid maps.
 */
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

/** Writes the tables under `dir` and returns a Config using them. */
export async function virtualConfig(
  dir: string,
  overrides: Partial<Config> = {},
): Promise<Config> {
  const base = join(dir, "vmail");
  await Deno.mkdir(base);
  await Deno.writeTextFile(
    join(dir, "vdomains"),
    "# virtual domains\none.test\nTwo.Test   virtual\n",
  );
  await Deno.writeTextFile(
    join(dir, "vmailbox"),
    [
      "alice@one.test   one.test/alice",
      "bob@two.test     two.test/bob/",
      "@two.test        two.test/catchall/",
      "evil@one.test    ../../etc/passwd",
      "abs@one.test     /etc/passwd",
      "dots@one.test    one.test/./x/",
      "low@one.test     one.test/low/",
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(
    join(dir, "valias"),
    [
      "sales@one.test   alice@one.test, bob@two.test",
      "ext@one.test     friend@remote.example, root@example.org",
      "loop1@one.test   loop2@one.test",
      "loop2@one.test   loop1@one.test",
      "keep@one.test    keep@one.test, alice@one.test",
      "@alias.test      @one.test",
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(
    join(dir, "vuid"),
    "low@one.test  10\n@one.test  5000\n@two.test  5001\n",
  );
  return baseTestConfig({
    mydestination: ["example.org"],
    virtual_mailbox_domains: [
      `hash:${join(dir, "vdomains")}`,
      "alias.test",
    ],
    virtual_mailbox_base: base,
    virtual_mailbox_maps: [`hash:${join(dir, "vmailbox")}`],
    virtual_alias_maps: [`hash:${join(dir, "valias")}`],
    virtual_uid_maps: [`hash:${join(dir, "vuid")}`],
    virtual_gid_maps: ["static:5000"],
    virtual_minimum_uid: 100,
    ...overrides,
  });
}
