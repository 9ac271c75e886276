import assert from "node:assert/strict";
import type { LookupTable } from "../../../src/maps/mod.ts";
import { senderLoginOwners } from "../../../src/smtp/sender_login.ts";

const table = (entries: Record<string, string>): LookupTable => ({
  spec: "test:owners",
  lookup: (key) => Promise.resolve(entries[key.toLowerCase()]),
});

const owners = (sender: string) =>
  senderLoginOwners(sender, [
    table({ "alice@example.com": "alice@example.com, boss" }),
    table({ "@example.com": "admin" }),
  ]);

Deno.test("senderLoginOwners: full address, then @domain; a list of owners", async () => {
  assert.deepEqual(await owners("alice@example.com"), [
    "alice@example.com",
    "boss",
  ]);
  assert.deepEqual(await owners("bob@example.com"), ["admin"]);
  assert.equal(await owners("carol@other.example"), null);
});
