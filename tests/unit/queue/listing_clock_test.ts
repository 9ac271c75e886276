import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const MODULE = new URL("../../../src/queue/listing_clock.ts", import.meta.url)
  .href;

// Seconds around offset changes and ordinary times, from 1969 to 2100,
// compared with the Date-based text in several time zones (each in its
// own process, as TZ is read at start).
const PROGRAM = `
import { arrivalClock, asctimeNoYear } from "${MODULE}";
const times = [];
for (let year = 1969; year <= 2100; year += 3) {
  for (const month of [0, 2, 3, 9, 10]) {
    const start = Date.UTC(year, month, 1);
    for (let hour = 0; hour < 24 * 35; hour += 7) {
      for (const s of [0, 1, 59, 61, 1799, 1801]) {
        times.push(start + hour * 3600000 + s * 1000 + (s % 7) * 100);
      }
    }
  }
}
times.push(-1, 0, 999, 59999, 60000);
let bad = 0;
for (const utc of [false, true]) {
  for (const ms of times) {
    if (arrivalClock(ms, utc) !== asctimeNoYear(ms, utc)) bad++;
  }
}
console.log(times.length + " " + bad);
`;

Deno.test("arrival times from the minute cache equal the Date's, in any zone", async () => {
  for (
    const zone of [
      "UTC",
      "America/New_York",
      "Australia/Lord_Howe",
      "Asia/Kathmandu",
      "Europe/Dublin",
    ]
  ) {
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", PROGRAM],
      env: { TZ: zone },
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    }).output();
    assert.ok(success, zone);
    const [count, bad] = new TextDecoder().decode(stdout).trim().split(" ");
    assert.ok(Number(count) > 10_000, zone);
    assert.equal(bad, "0", `${zone}: ${bad} of ${count} differ`);
  }
});

Deno.test("the minute cache really is used: a minute's text is shared", async () => {
  const { arrivalClock } = await import(MODULE);
  const minute = Date.UTC(2024, 5, 1, 12, 30);
  assert.equal(arrivalClock(minute + 5_000, true), "Sat Jun  1 12:30:05");
  assert.equal(arrivalClock(minute + 59_999, true), "Sat Jun  1 12:30:59");
  assert.equal(arrivalClock(minute + 60_000, true), "Sat Jun  1 12:31:00");
});
