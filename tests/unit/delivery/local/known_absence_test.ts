/**
 * known_absence.ts: an absence is remembered only for a settled
 * directory as it was, and never hides a file that is there now, nor
 * another failure than ENOENT.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  noteAbsent,
  SETTLED_MS,
  surelyAbsent,
} from "../../../../src/delivery/local/known_absence.ts";
import { readOwnedFile } from "../../../../src/delivery/local/owned_file.ts";
import { withTempDir } from "../test_message.ts";

/** Records `path` as absent, as after a failed open, SETTLED_MS later. */
function recordAbsent(path: string): void {
  const asked = surelyAbsent(path);
  assert.equal(asked.absent, false, "not known before an open failed");
  noteAbsent(asked.note, Date.now() + 2 * SETTLED_MS);
  assert.equal(surelyAbsent(path).absent, true, "known once recorded");
}

/** Sets `dir`'s mtime an hour back, so a change now is another time. */
function ageDirectory(dir: string): void {
  const past = new Date(Date.now() - 3600_000);
  Deno.utimeSync(dir, past, past);
}

Deno.test("known absence: a file made in the directory is found at once", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    recordAbsent(path);
    await Deno.writeTextFile(path, "bob\n");
    assert.equal(surelyAbsent(path).absent, false);
    assert.equal((await readOwnedFile(path))?.text, "bob\n");
  });
});

Deno.test("known absence: a dangling link made good is found, its directory unchanged", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "lists", "bob");
    const path = join(dir, ".forward");
    await Deno.mkdir(join(dir, "lists"));
    await Deno.symlink(target, path);
    ageDirectory(dir);
    recordAbsent(path);
    await Deno.writeTextFile(target, "carol\n");
    assert.equal(surelyAbsent(path).absent, false);
    assert.equal((await readOwnedFile(path))?.text, "carol\n");
  });
});

Deno.test("known absence: a link loop planted later is the open's error, not an absence", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    ageDirectory(dir);
    recordAbsent(path);
    await Deno.symlink(path, path);
    assert.equal(surelyAbsent(path).absent, false);
    await assert.rejects(readOwnedFile(path), Deno.errors.FilesystemLoop);
  });
});

Deno.test("known absence: a directory changed moments ago is not remembered", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    await Deno.writeTextFile(join(dir, "other"), "x");
    for (let delivery = 0; delivery < 3; delivery++) {
      const asked = surelyAbsent(path);
      assert.equal(asked.absent, false, `delivery ${delivery}`);
      noteAbsent(asked.note);
    }
    assert.equal(await readOwnedFile(path), undefined);
  });
});

Deno.test("known absence: a thread granted the .forward only, not its directory", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, ".forward");
    const owned = new URL(
      "../../../../src/delivery/local/owned_file.ts",
      import.meta.url,
    ).href;
    const script = `
      const { readOwnedFile } = await import(${JSON.stringify(owned)});
      const path = ${JSON.stringify(path)};
      const answers = [await readOwnedFile(path), await readOwnedFile(path)];
      Deno.writeTextFileSync(path, "dave\\n");
      answers.push((await readOwnedFile(path))?.text);
      console.log(JSON.stringify(answers));
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--no-config",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(output.stdout)),
      // undefined, undefined, the text (JSON writes undefined as null).
      [null, null, "dave\n"],
    );
  });
});
