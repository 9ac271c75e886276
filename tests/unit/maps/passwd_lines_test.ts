/**
 * passwd-style lines (`src/maps/passwd_lines.ts`), and the agreement it
 * gives between the POP3 reader and the `mailsrv user` editor.
 */
import assert from "node:assert/strict";
import {
  entryFields,
  entryLines,
  vmPop3dUser,
} from "../../../src/maps/passwd_lines.ts";
import { parsePop3Passwd } from "../../../src/auth/passwd_file.ts";
import {
  passwdUsers,
  removePasswdUser,
  setPasswdHash,
} from "../../../src/virtual/passwd_text.ts";

Deno.test("blank and comment lines are not entries; fields split at every colon", () => {
  assert.equal(entryFields(""), undefined);
  assert.equal(entryFields("   "), undefined);
  assert.equal(entryFields("  # alice:x"), undefined);
  assert.deepEqual(entryFields("alice:$1$s$h:extra\r"), [
    "alice",
    "$1$s$h",
    "extra",
  ]);
  assert.deepEqual(
    entryLines("# c\n\nbob:x\ncarol:y\n").map((l) => [l.number, l.text]),
    [[3, "bob:x"], [4, "carol:y"]],
  );
});

Deno.test("a vm-pop3d user is the trimmed, lower-cased first field of a name:hash line", () => {
  assert.equal(vmPop3dUser(" Alice :hash"), "alice");
  assert.equal(vmPop3dUser("alice"), undefined);
  assert.equal(vmPop3dUser(":hash"), undefined);
  assert.equal(vmPop3dUser("#alice:hash"), undefined);
});

Deno.test("the editor changes the very line the POP3 server reads", () => {
  // A hand-edited line with a space before the name and a capital.
  const text = "# users\n Alice:{SHA}old\nbob:{SHA}b\n";
  assert.deepEqual(passwdUsers(text), ["alice", "bob"]);
  const changed = setPasswdHash(text, "alice", "{SHA}new");
  assert.equal(
    parsePop3Passwd(changed, "passwd").hashes.get("alice"),
    "{SHA}new",
  );
  assert.equal(changed.split("\n").filter((l) => /alice/i.test(l)).length, 1);
  const removed = removePasswdUser(text, "alice");
  assert.ok(removed !== null);
  assert.equal(parsePop3Passwd(removed, "passwd").hashes.has("alice"), false);
});
