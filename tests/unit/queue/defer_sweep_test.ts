import assert from "node:assert/strict";
import { join } from "node:path";
import { createDeferSweep } from "../../../src/queue/defer_sweep.ts";

const names = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).sort();

async function withQueue(test: (queue: string) => Promise<void>) {
  const queue = await Deno.makeTempDir({ prefix: "mailsrv-defer-sweep-" });
  try {
    for (const dir of ["defer", "deferred", "hold"]) {
      Deno.mkdirSync(join(queue, dir));
    }
    await test(queue);
  } finally {
    await Deno.remove(queue, { recursive: true });
  }
}

Deno.test("defer sweep: reads defer/ whole only when it changed, else only the changed names", async () => {
  await withQueue(async (queue) => {
    const defer = join(queue, "defer");
    const removed: string[] = [];
    const sweep = createDeferSweep({
      queueDirectory: queue,
      known: (id) => id === "0000000000known",
      removed: (id) => removed.push(id),
      failed: (error) => assert.fail(String(error)),
      // The last whole read looks long after defer/'s last change.
      clock: () => Date.now() + 60_000,
    });
    for (
      const id of ["000000000stale1", "0000000000known", "00000000000held"]
    ) {
      Deno.writeTextFileSync(join(defer, id), "a: b\n");
    }
    Deno.writeTextFileSync(join(queue, "hold", "00000000000held"), "");
    // The first sweep reads all of defer/.
    await sweep.sweep(false);
    assert.deepEqual(removed, ["000000000stale1"]);
    assert.deepEqual(names(defer), ["00000000000held", "0000000000known"]);

    // A message removed by hand: defer/ itself is unchanged, so a queue
    // run's sweep does not read it…
    Deno.removeSync(join(queue, "hold", "00000000000held"));
    await sweep.sweep(false);
    assert.deepEqual(names(defer), ["00000000000held", "0000000000known"]);
    // …until the manager names the message, or a sweep is asked whole.
    sweep.changed("00000000000held");
    await sweep.sweep(false);
    assert.deepEqual(names(defer), ["0000000000known"]);

    // A name that came into defer/ moves its mtime: read whole again.
    Deno.writeTextFileSync(join(defer, "000000000stale2"), "a: b\n");
    await sweep.sweep(false);
    assert.deepEqual(names(defer), ["0000000000known"]);

    // Put back the old mtime to hide a new stale file: only `whole` finds it.
    const { mtime } = Deno.statSync(defer);
    Deno.writeTextFileSync(join(defer, "000000000stale3"), "a: b\n");
    Deno.utimeSync(defer, mtime!, mtime!);
    await sweep.sweep(false);
    await sweep.sweep(false);
    assert.deepEqual(names(defer), ["0000000000known", "000000000stale3"]);
    await sweep.sweep(true);
    assert.deepEqual(names(defer), ["0000000000known"]);
    assert.deepEqual(removed, [
      "000000000stale1",
      "00000000000held",
      "000000000stale2",
      "000000000stale3",
    ]);
  });
});

Deno.test("defer sweep: a change younger than the file system's timestamps can show is read whole", async () => {
  await withQueue(async (queue) => {
    const defer = join(queue, "defer");
    const sweep = createDeferSweep({
      queueDirectory: queue,
      known: () => false,
      removed: () => {},
      failed: (error) => assert.fail(String(error)),
    });
    await sweep.sweep(true);
    // Same mtime as at the read, but the read was within its tick.
    const { mtime } = Deno.statSync(defer);
    Deno.writeTextFileSync(join(defer, "000000000stale1"), "a: b\n");
    Deno.utimeSync(defer, mtime!, mtime!);
    await sweep.sweep(false);
    assert.deepEqual(names(defer), []);
  });
});

Deno.test("defer sweep: sweeps asked for meanwhile follow the one under way, and a failure is told", async () => {
  await withQueue(async (queue) => {
    const defer = join(queue, "defer");
    const failures: unknown[] = [];
    const sweep = createDeferSweep({
      queueDirectory: queue,
      known: () => false,
      removed: () => {},
      failed: (error) => failures.push(error),
    });
    Deno.writeTextFileSync(join(defer, "000000000stale1"), "a: b\n");
    const first = sweep.sweep(true);
    assert.equal(sweep.busy(), true);
    const second = sweep.sweep(true);
    await Promise.all([first, second]);
    await sweep.idle();
    assert.equal(sweep.busy(), false);
    assert.deepEqual(names(defer), []);
    Deno.removeSync(defer);
    await sweep.sweep(false);
    assert.equal(failures.length, 1);
    assert.ok(failures[0] instanceof Deno.errors.NotFound);
  });
});
