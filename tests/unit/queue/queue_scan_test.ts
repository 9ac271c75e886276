import assert from "node:assert/strict";
import { createQueueScan } from "../../../src/queue/queue_scan.ts";

function lister(contents: string[][]) {
  let pass = 0;
  return async function* () {
    const names = contents[Math.min(pass++, contents.length - 1)];
    for (const name of names) {
      await Promise.resolve();
      yield name;
    }
  };
}

async function drain(scan: ReturnType<typeof createQueueScan>) {
  const seen: Array<[string, boolean]> = [];
  for (let c = await scan.next(); c; c = await scan.next()) {
    seen.push([c.id, c.flushes.some((f) => f.flush)]);
  }
  return seen;
}

Deno.test("a scan lists nothing until requested", async () => {
  const scan = createQueueScan(lister([["a"]]));
  assert.equal(scan.pending(), false);
  assert.equal(await scan.next(), undefined);
  scan.request();
  assert.equal(scan.pending(), true);
  assert.deepEqual(await drain(scan), [["a", false]]);
  assert.equal(scan.pending(), false);
});

Deno.test("a request during a pass starts another pass afterwards", async () => {
  const scan = createQueueScan(lister([["a", "b"], ["b", "c"]]));
  scan.request();
  assert.deepEqual(await scan.next(), { id: "a", due: true, flushes: [] });
  scan.request({ flush: true });
  assert.deepEqual(await drain(scan), [["b", false], ["b", true], ["c", true]]);
});

Deno.test("close abandons the pass and the requests", async () => {
  let finished = false;
  const scan = createQueueScan(async function* () {
    try {
      yield "a";
      yield "b";
    } finally {
      finished = true;
    }
  });
  scan.request();
  await scan.next();
  scan.request();
  await scan.close();
  assert.ok(finished, "the directory iterator was returned");
  assert.equal(scan.pending(), false);
  assert.equal(await scan.next(), undefined);
});

Deno.test("a failing pass is dropped and the error surfaces", async () => {
  // deno-lint-ignore require-yield
  const scan = createQueueScan(async function* () {
    throw new Error("EACCES");
  });
  scan.request();
  await assert.rejects(() => scan.next(), /EACCES/);
  assert.equal(scan.pending(), false);
});

Deno.test("requests before a pass merge into it; its flush runs hear when it ends", async () => {
  const scan = createQueueScan(lister([["a"], ["b"]]));
  const ends: string[] = [];
  const run = (name: string) => ({
    passEnded: () => ends.push(name),
    admitted() {},
    attempted() {},
    dropped() {},
    interrupt() {},
    report: Promise.resolve({
      messages: 0,
      sent: 0,
      deferred: 0,
      bounced: 0,
      errors: 0,
      interrupted: false,
    }),
  });
  const site = { site: "example.com", run: run("site") };
  scan.request(site);
  scan.request({ flush: true, run: run("all") });
  const first = await scan.next();
  assert.equal(first?.due, false);
  assert.deepEqual(first?.flushes.map((f) => f.site ?? "all"), [
    "example.com",
    "all",
  ]);
  scan.request();
  assert.deepEqual(ends, []);
  const second = await scan.next();
  assert.deepEqual(ends, ["site", "all"], "told once the first pass ended");
  assert.deepEqual(second, { id: "b", due: true, flushes: [] });
});
