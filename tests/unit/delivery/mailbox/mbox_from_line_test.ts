import assert from "node:assert/strict";
import {
  asctime,
  mboxFromLine,
} from "../../../../src/delivery/mailbox/mbox_from_line.ts";

// Local time, built from fields, so the test holds in any time zone.
const NOV_5 = new Date(1986, 10, 5, 8, 2, 9).getTime();
const NOV_24 = new Date(1986, 10, 24, 18, 22, 48).getTime();

Deno.test("asctime: layout with a space-padded day of month", () => {
  assert.equal(asctime(NOV_5), "Wed Nov  5 08:02:09 1986");
  assert.equal(asctime(NOV_24), "Mon Nov 24 18:22:48 1986");
});

Deno.test("mboxFromLine: sender and date", () => {
  assert.equal(
    mboxFromLine("alice@example.org", NOV_24),
    "From alice@example.org Mon Nov 24 18:22:48 1986\n",
  );
});

Deno.test("mboxFromLine: the null sender is MAILER-DAEMON", () => {
  assert.equal(
    mboxFromLine("", NOV_5),
    "From MAILER-DAEMON Wed Nov  5 08:02:09 1986\n",
  );
});

Deno.test("mboxFromLine: whitespace in a quoted sender cannot add fields", () => {
  assert.equal(
    mboxFromLine('"a b"@example.org', NOV_5),
    'From "a_b"@example.org Wed Nov  5 08:02:09 1986\n',
  );
});
