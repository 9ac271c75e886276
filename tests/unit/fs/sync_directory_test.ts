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
