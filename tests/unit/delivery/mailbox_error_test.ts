import assert from "node:assert/strict";
import { mailboxError, reasonOf } from "../../../src/delivery/mailbox_error.ts";
import { DeliveryError } from "../../../src/delivery/types.ts";

function errno(code: string, text: string): Error {
  return Object.assign(new Error(`${text} (os error 1): write '/x'`), { code });
}

Deno.test("mailboxError: errno to RFC 3463 status", () => {
  const cases: [string, boolean, string][] = [
    ["ENOSPC", true, "4.3.1"],
    ["EDQUOT", true, "4.2.2"],
    ["EFBIG", true, "4.2.2"],
    ["ENOTDIR", false, "5.2.0"],
    ["EISDIR", false, "5.2.0"],
    ["ELOOP", false, "5.2.0"],
    ["EIO", true, "4.2.0"],
    ["EACCES", true, "4.2.0"],
    ["ENOENT", true, "4.2.0"],
  ];
  for (const [code, temporary, dsn] of cases) {
    const error = mailboxError(errno(code, "Oops"), 'cannot update "x"');
    assert.equal(error.temporary, temporary, code);
    assert.equal(error.dsn, dsn, code);
    assert.equal(error.message, 'cannot update "x": Oops');
  }
});

Deno.test("mailboxError: a DeliveryError passes through; others defer", () => {
  const original = new DeliveryError("x", false, "5.1.1");
  assert.equal(mailboxError(original, "y"), original);
  const odd = mailboxError("weird", "cannot");
  assert.deepEqual([odd.temporary, odd.dsn, odd.message], [
    true,
    "4.2.0",
    "cannot: weird",
  ]);
});

Deno.test("reasonOf: drops Deno's os error tail", () => {
  assert.equal(
    reasonOf(new Error("No space left on device (os error 28)")),
    "No space left on device",
  );
});
