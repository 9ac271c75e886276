/** Tests for login_name.ts: vm-pop3d's user/domain split. */
import assert from "node:assert/strict";
import { splitLoginName } from "../../../src/auth/login_name.ts";

const TABLE: [string, { user: string; domain: string } | undefined][] = [
  ["alice@one.test", { user: "alice", domain: "one.test" }],
  ["Alice@One.TEST", { user: "alice", domain: "one.test" }],
  ["alice%one.test", { user: "alice", domain: "one.test" }],
  ["alice:one.test", { user: "alice", domain: "one.test" }],
  ["alice!one.test", { user: "alice", domain: "one.test" }],
  ["alice;one.test", { user: "alice", domain: "one.test" }],
  // The first separator splits; the rest is the domain (and must be safe).
  ["a%b@one.test", undefined],
  ["a.b@one.test", { user: "a.b", domain: "one.test" }],
  ["alice", { user: "alice", domain: "" }],
  // A separator first or last separates nothing.
  ["@one.test", { user: "@one.test", domain: "" }],
  ["alice@", { user: "alice@", domain: "" }],
  ["a@b", { user: "a", domain: "b" }],
  // Unsafe names.
  ["../etc@one.test", undefined],
  [".alice@one.test", undefined],
  ["al/ice@one.test", undefined],
  ["alice@../one", undefined],
  ["alice@one..test", undefined],
  ["alice@one.test/x", undefined],
  ["alice@-one.test", undefined],
  ["al\x00ice@one.test", undefined],
  ["", undefined],
];

for (const [login, expected] of TABLE) {
  Deno.test(`splitLoginName: ${JSON.stringify(login)}`, () => {
    assert.deepEqual(splitLoginName(login), expected);
  });
}
