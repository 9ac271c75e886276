import assert from "node:assert/strict";
import type { LookupTable } from "../../../src/maps/mod.ts";
import {
  senderLoginMismatch,
  senderLoginOwners,
} from "../../../src/smtp/sender_login.ts";
import { formatReply } from "../../../src/smtp/replies.ts";

const table = (entries: Record<string, string>): LookupTable => ({
  spec: "test:owners",
  lookup: (key) => Promise.resolve(entries[key.toLowerCase()]),
});

const owners = (sender: string) =>
  senderLoginOwners(sender, [
    table({ "alice@example.com": "alice@example.com, boss" }),
    table({ "@example.com": "admin" }),
  ]);

async function verdict(user: string | null, sender: string) {
  const r = await senderLoginMismatch(
    { authenticatedUser: user },
    sender,
    owners,
  );
  return r === null ? null : formatReply(r).trimEnd();
}

Deno.test("senderLoginOwners: full address, then @domain; a list of owners", async () => {
  assert.deepEqual(await owners("alice@example.com"), [
    "alice@example.com",
    "boss",
  ]);
  assert.deepEqual(await owners("bob@example.com"), ["admin"]);
  assert.equal(await owners("carol@other.example"), null);
});

Deno.test("senderLoginMismatch: owners may send, others are refused as Postfix refuses them", async () => {
  assert.equal(await verdict("alice@example.com", "alice@example.com"), null);
  assert.equal(await verdict("BOSS", "alice@example.com"), null);
  assert.equal(
    await verdict("admin", "alice@example.com"),
    "553 5.7.1 <alice@example.com>: Sender address rejected: not owned by user admin",
  );
  assert.equal(
    await verdict(null, "bob@example.com"),
    "553 5.7.1 <bob@example.com>: Sender address rejected: not logged in",
  );
  // Unlisted: free for clients that did not log in, not for those that did.
  assert.equal(await verdict(null, "carol@other.example"), null);
  assert.equal(
    await verdict("alice@example.com", "carol@other.example"),
    "553 5.7.1 <carol@other.example>: Sender address rejected: not owned by user alice@example.com",
  );
  assert.equal(await verdict("alice@example.com", ""), null);
});
