/**
 * Dotlocks (`src/fs/dotlock.ts`): busy, stale by one rule, refreshed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DotlockBusyError,
  procProcessAlive,
  takeDotlock,
} from "../../../src/fs/dotlock.ts";
import { exists, withTempDir } from "../delivery/test_message.ts";

const MINUTE = 60_000;
const noRefresh = { refreshEvery: 0 };

/** A clock `ms` after the lock file's last change. */
async function after(lockPath: string, ms: number): Promise<() => number> {
  const changed = (await Deno.lstat(lockPath)).ctime!.getTime();
  return () => changed + ms;
}

Deno.test("a lock naming a process that is gone is broken and taken", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    await Deno.writeTextFile(path, "4000001\n");
    const lock = await takeDotlock(path, {
      ...noRefresh,
      processAlive: (pid) => Promise.resolve(pid !== 4000001),
    });
    assert.equal(
      await Deno.readTextFile(path),
      `${Deno.pid}\n${Deno.hostname()}\n`,
      "the pid, and the host it belongs to",
    );
    await lock.release();
    assert.ok(!await exists(path));
  });
});

Deno.test("a lock naming a live process is busy however old it is", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    await Deno.writeTextFile(path, "4000001\n");
    await assert.rejects(
      async () =>
        takeDotlock(path, {
          ...noRefresh,
          clock: await after(path, 24 * 60 * MINUTE),
          processAlive: () => Promise.resolve(true),
        }),
      DotlockBusyError,
    );
    assert.equal(await Deno.readTextFile(path), "4000001\n");
  });
});

Deno.test("a lock another host made (shared storage) is judged by age only", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".mailsrv-pop3.lock");
    // Its pid is not running here; on the other host it may well be.
    await Deno.writeTextFile(path, "4000001\nother-mx.example\n");
    await assert.rejects(
      async () =>
        takeDotlock(path, {
          ...noRefresh,
          clock: await after(path, 499_000),
          processAlive: () => Promise.resolve(false),
        }),
      DotlockBusyError,
    );
    const lock = await takeDotlock(path, {
      ...noRefresh,
      clock: await after(path, 501_000),
      processAlive: () => Promise.resolve(false),
    });
    await lock.release();
    // The same pid naming this host is judged by /proc at once.
    await Deno.writeTextFile(path, `4000001\n${Deno.hostname()}\n`);
    const mine = await takeDotlock(path, {
      ...noRefresh,
      processAlive: () => Promise.resolve(false),
    });
    await mine.release();
  });
});

Deno.test("a lock without a pid is stale only after 500 seconds", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    await Deno.writeTextFile(path, "");
    await assert.rejects(
      async () =>
        takeDotlock(path, {
          ...noRefresh,
          clock: await after(path, 499_000),
        }),
      DotlockBusyError,
    );
    const lock = await takeDotlock(path, {
      ...noRefresh,
      clock: await after(path, 501_000),
    });
    await lock.release();
  });
});

Deno.test("when liveness cannot be told, age decides", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    await Deno.writeTextFile(path, "123\n");
    const unknown = () => Promise.resolve(undefined);
    await assert.rejects(
      async () =>
        takeDotlock(path, {
          ...noRefresh,
          processAlive: unknown,
          clock: await after(path, MINUTE),
        }),
      DotlockBusyError,
    );
    const lock = await takeDotlock(path, {
      ...noRefresh,
      processAlive: unknown,
      clock: await after(path, 501_000),
    });
    await lock.release();
  });
});

Deno.test("a held lock is touched on schedule, so age-based breakers leave it", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    let refresh: (() => Promise<void>) | undefined;
    let cancelled = false;
    const lock = await takeDotlock(path, {
      refreshEvery: MINUTE,
      clock: () => Date.UTC(2030, 0, 1),
      schedule: (fn, ms) => {
        assert.equal(ms, MINUTE);
        refresh = fn;
        return () => cancelled = true;
      },
    });
    await refresh!();
    assert.equal(
      (await Deno.lstat(path)).mtime!.getTime(),
      Date.UTC(2030, 0, 1),
    );
    await lock.release();
    assert.ok(cancelled);
  });
});

Deno.test("/proc tells live and dead processes apart", async () => {
  assert.equal(await procProcessAlive(Deno.pid), true);
  assert.equal(await procProcessAlive(2 ** 30), false);
});

Deno.test("a lock naming this process is judged by age (a thread of it may have died)", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    await Deno.writeTextFile(path, `${Deno.pid}\n`);
    await assert.rejects(
      async () => takeDotlock(path, { clock: await after(path, 499_000) }),
      DotlockBusyError,
    );
    const lock = await takeDotlock(path, {
      clock: await after(path, 501_000),
    });
    await lock.release();
    assert.ok(!await exists(path));
  });
});

Deno.test("a second holder in the same thread is refused without touching the file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mbox.lock");
    const lock = await takeDotlock(path);
    await assert.rejects(() => takeDotlock(path), DotlockBusyError);
    assert.equal(await lock.stillHeld(), true);
    await lock.release();
    assert.equal(await lock.stillHeld(), false);
  });
});
