import assert from "node:assert/strict";
import { rfc5322Date } from "../../../src/common/rfc5322_date.ts";

const NOV_25_2024_025432_UTC = Date.UTC(2024, 10, 25, 2, 54, 32);

Deno.test("rfc5322Date writes the local time with a numeric zone", () => {
  assert.equal(
    rfc5322Date(NOV_25_2024_025432_UTC, 60),
    "Mon, 25 Nov 2024 03:54:32 +0100",
  );
  assert.equal(
    rfc5322Date(NOV_25_2024_025432_UTC, 0),
    "Mon, 25 Nov 2024 02:54:32 +0000",
  );
  assert.equal(
    rfc5322Date(NOV_25_2024_025432_UTC, -330),
    "Sun, 24 Nov 2024 21:24:32 -0530",
  );
  assert.equal(
    rfc5322Date(Date.UTC(2025, 0, 5, 0, 0, 0), 0),
    "Sun, 5 Jan 2025 00:00:00 +0000",
  );
});
