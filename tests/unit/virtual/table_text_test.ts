import assert from "node:assert/strict";
import {
  appendLine,
  removeEntries,
  tableKeys,
  tableValue,
} from "../../../src/virtual/table_text.ts";
import {
  passwdUsers,
  removePasswdUser,
  setPasswdHash,
} from "../../../src/virtual/passwd_text.ts";

const MAP = [
  "# virtual mailboxes",
  "Alice@One.Test  one.test/alice",
  "",
  "bob@two.test    two.test/bob/",
  "carol@one.test",
  "    one.test/carol/",
  "# end",
].join("\n");

Deno.test("table keys are lower-cased; continuations belong to their entry", () => {
  assert.deepEqual(tableKeys(MAP), [
    "alice@one.test",
    "bob@two.test",
    "carol@one.test",
  ]);
  assert.equal(tableValue(MAP, "CAROL@one.test"), "one.test/carol/");
  assert.equal(tableValue(MAP, "nobody@one.test"), undefined);
});

Deno.test("removing an entry keeps comments, blank lines and other entries byte for byte", () => {
  assert.equal(
    removeEntries(MAP, (key) => key === "carol@one.test"),
    "# virtual mailboxes\nAlice@One.Test  one.test/alice\n\nbob@two.test    two.test/bob/\n# end",
  );
  assert.equal(removeEntries(MAP, (key) => key === "zed@x.test"), null);
});

Deno.test("appending keeps a final newline, adding one when missing", () => {
  assert.equal(appendLine("", "a b"), "a b\n");
  assert.equal(appendLine("# c", "a b"), "# c\na b\n");
  assert.equal(appendLine("# c\n", "a b"), "# c\na b\n");
});

Deno.test("passwd edits: replace the hash, keep extra fields and comments", () => {
  const text = "# users\nalice:$2y$old:extra\nBob:$apr1$x\n";
  assert.deepEqual(passwdUsers(text), ["alice", "bob"]);
  assert.equal(
    setPasswdHash(text, "alice", "$2y$new"),
    "# users\nalice:$2y$new:extra\nBob:$apr1$x\n",
  );
  assert.equal(
    setPasswdHash("# users", "carol", "$2y$c"),
    "# users\ncarol:$2y$c\n",
  );
  assert.equal(removePasswdUser(text, "bob"), "# users\nalice:$2y$old:extra\n");
  assert.equal(removePasswdUser(text, "carol"), null);
});
