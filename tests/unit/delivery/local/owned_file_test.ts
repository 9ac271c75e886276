/**
 * owned_file.ts: a missing file is told without an exception, and
 * nothing about it is remembered; other failures are reported as the
 * open reports them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readOwnedFile } from "../../../../src/delivery/local/owned_file.ts";
import { withTempDir } from "../test_message.ts";

Deno.test("owned file: a .forward made right after one was found missing is read", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    // Same directory, same clock tick: nothing may be remembered.
    for (let round = 0; round < 20; round++) {
      assert.equal(await readOwnedFile(path), undefined, `round ${round}`);
      Deno.writeTextFileSync(path, `user${round}\n`);
      assert.equal((await readOwnedFile(path))?.text, `user${round}\n`);
      Deno.removeSync(path);
    }
  });
});

Deno.test("owned file: a dangling link is missing; a link made good is read", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    const target = join(dir, "elsewhere");
    await Deno.symlink(target, path);
    assert.equal(await readOwnedFile(path), undefined);
    await Deno.writeTextFile(target, "bob\n");
    assert.equal((await readOwnedFile(path))?.text, "bob\n");
  });
});

Deno.test("owned file: a failure other than a missing file is the open's error", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "plain");
    await Deno.writeTextFile(file, "x\n");
    await assert.rejects(
      readOwnedFile(join(file, ".forward")),
      Deno.errors.NotADirectory,
    );
    const loop = join(dir, "loop");
    await Deno.symlink(loop, loop);
    await assert.rejects(readOwnedFile(loop), Deno.errors.FilesystemLoop);
  });
});
