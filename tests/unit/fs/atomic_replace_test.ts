import assert from "node:assert/strict";
import { join } from "node:path";
import { editFileAtomically } from "../../../src/fs/atomic_replace.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-atomic-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an edit replaces the file and keeps its mode", () =>
  withDir(async (dir) => {
    const path = join(dir, "vdomains");
    await Deno.writeTextFile(path, "# list\none.test x\n");
    await Deno.chmod(path, 0o640);
    const written = await editFileAtomically(
      path,
      (text) => `${text}two.test x\n`,
      { createMode: 0o600 },
    );
    assert.equal(written, true);
    assert.equal(
      await Deno.readTextFile(path),
      "# list\none.test x\ntwo.test x\n",
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "vdomains",
    ]);
  }));

Deno.test("a new file gets the create mode; a null change writes nothing", () =>
  withDir(async (dir) => {
    const path = join(dir, "passwd");
    await editFileAtomically(path, (text) => {
      assert.equal(text, null);
      return "";
    }, { createMode: 0o640 });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    const before = (await Deno.stat(path)).ino;
    assert.equal(
      await editFileAtomically(path, () => null, { createMode: 0o600 }),
      false,
    );
    assert.equal((await Deno.stat(path)).ino, before, "file not replaced");
  }));

Deno.test("a failing write leaves the old file and no temporary file", () =>
  withDir(async (dir) => {
    const path = join(dir, "vmailbox");
    await Deno.writeTextFile(path, "a@one.test one.test/a/\n");
    await assert.rejects(
      editFileAtomically(path, (text) => `${text}b@one.test one.test/b/\n`, {
        createMode: 0o644,
        writeAll: async (file, bytes) => {
          await file.write(bytes.subarray(0, 5));
          throw new Error("No space left on device (os error 28)");
        },
      }),
      /No space left/,
    );
    assert.equal(await Deno.readTextFile(path), "a@one.test one.test/a/\n");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "vmailbox",
    ]);
  }));

Deno.test("a refused change writes nothing; a symbolic link stays a link", () =>
  withDir(async (dir) => {
    const target = join(dir, "real");
    const link = join(dir, "link");
    await Deno.writeTextFile(target, "x 1\n");
    await Deno.symlink(target, link);
    await assert.rejects(
      editFileAtomically(link, () => {
        throw new Error("duplicate");
      }, { createMode: 0o644 }),
      /duplicate/,
    );
    await editFileAtomically(link, (t) => `${t}y 2\n`, { createMode: 0o644 });
    assert.ok((await Deno.lstat(link)).isSymlink);
    assert.equal(await Deno.readTextFile(target), "x 1\ny 2\n");
  }));
