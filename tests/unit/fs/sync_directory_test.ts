import assert from "node:assert/strict";
import { join } from "node:path";
import {
  closeSyncedDirectories,
  syncDirectory,
} from "../../../src/fs/sync_directory.ts";

Deno.test("syncDirectory: concurrent callers share rounds and all resolve", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          Deno.writeTextFile(join(dir, `f${i}`), "x").then(() =>
            syncDirectory(dir)
          ),
      ),
    );
    await syncDirectory(dir, { keepOpen: true });
    await syncDirectory(dir, { keepOpen: true });
  } finally {
    closeSyncedDirectories();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDirectory: a missing directory rejects its round, and the next call tries again", async () => {
  const dir = await Deno.makeTempDir();
  const gone = join(dir, "gone");
  try {
    await assert.rejects(syncDirectory(gone), Deno.errors.NotFound);
    await Deno.mkdir(gone);
    await syncDirectory(gone);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syncDirectory: with gatherMs, callers in later turns share the round", async () => {
  const dir = await Deno.makeTempDir();
  const openSync = Deno.openSync;
  let opened = 0;
  Deno.openSync = (path, options) => {
    if (path === dir) opened++;
    return openSync(path, options);
  };
  try {
    const first = syncDirectory(dir, { gatherMs: 200 });
    // A later turn of the event loop: without the gather, the first
    // round would be under way and this caller would wait for a second.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = syncDirectory(dir, { gatherMs: 200 });
    await Promise.all([first, second]);
    assert.equal(opened, 1, "one round for both");
    // Without a gather, the same callers take two rounds.
    opened = 0;
    const third = syncDirectory(dir);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await Promise.all([third, syncDirectory(dir)]);
    assert.equal(opened, 2);
  } finally {
    Deno.openSync = openSync;
    await Deno.remove(dir, { recursive: true });
  }
});
