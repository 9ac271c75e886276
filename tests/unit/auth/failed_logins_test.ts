import assert from "node:assert/strict";
import {
  createFailedLogins,
  FORGET_AFTER_MS,
  MAX_FACTOR,
} from "../../../src/auth/failed_logins.ts";

Deno.test("failed logins: the pause doubles per client across sessions, capped", () => {
  let t = 0;
  const table = createFailedLogins(() => t);
  const factors = Array.from({ length: 7 }, () => table.failed("192.0.2.1"));
  assert.deepEqual(factors, [1, 2, 4, 8, 16, MAX_FACTOR, MAX_FACTOR]);
  assert.equal(table.failed("192.0.2.2"), 1, "another client is not slowed");
  t += 1000;
  assert.equal(table.failed("192.0.2.2"), 2);
});

Deno.test("failed logins: forgotten after a quiet while, or at a successful login", () => {
  let t = 0;
  const table = createFailedLogins(() => t);
  table.failed("192.0.2.1");
  table.failed("192.0.2.1");
  t += FORGET_AFTER_MS;
  assert.equal(table.failed("192.0.2.1"), 1);
  table.failed("192.0.2.1");
  table.succeeded("192.0.2.1");
  assert.equal(table.failed("192.0.2.1"), 1);
});
