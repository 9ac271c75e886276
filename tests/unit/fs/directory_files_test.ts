/**
 * src/fs/directory_files.ts: the C library's calls read the same names
 * and bytes as Deno's API, and a thread holding the ffi grant reaches
 * through them no more than through Deno's API alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openDirectoryFiles } from "../../../src/fs/directory_files.ts";
import { askWorkerOnce } from "../../helpers/worker_once.ts";

const WORKER = new URL("./directory_files_worker.ts", import.meta.url);

function readAll(name: string, libc: boolean, directory: string): string {
  const files = openDirectoryFiles(directory, { libc });
  try {
    const file = files.open(name);
    const buffer = new Uint8Array(3); // several reads per file
    let text = "";
    for (let count; (count = file.read(buffer)) > 0;) {
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
    file.close();
    return text;
  } finally {
    files.close();
  }
}

async function setUp() {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-dirfiles-" });
  const maildir = join(root, "maildir");
  const outside = join(root, "secret");
  await Deno.mkdir(join(maildir, "new"), { recursive: true });
  await Deno.mkdir(join(maildir, "new", "sub"));
  await Deno.writeTextFile(outside, "secret\n");
  await Deno.writeTextFile(join(maildir, "new", "1.M1P1.host"), "one\n");
  await Deno.writeTextFile(join(maildir, "new", ".hidden"), "dot\n");
  await Deno.writeTextFile(join(maildir, "inside"), "inside\n");
  await Deno.symlink(outside, join(maildir, "new", "2.link-out"));
  await Deno.symlink(
    join(maildir, "inside"),
    join(maildir, "new", "3.link-in"),
  );
  return { root, maildir, outside };
}

Deno.test("names and bytes are the same through the C library and through Deno's API", async () => {
  const { root, maildir } = await setUp();
  try {
    const directory = join(maildir, "new");
    const direct = openDirectoryFiles(directory);
    const deno = openDirectoryFiles(directory, { libc: false });
    assert.equal(deno.direct, false);
    assert.deepEqual(direct.names().sort(), deno.names().sort());
    assert.deepEqual(deno.names().sort(), [
      ".hidden",
      "1.M1P1.host",
      "2.link-out",
      "3.link-in",
    ]);
    direct.close();
    deno.close();
    for (const name of ["1.M1P1.host", "3.link-in", "2.link-out"]) {
      assert.equal(
        readAll(name, true, directory),
        readAll(name, false, directory),
      );
    }
    assert.equal(readAll("3.link-in", true, directory), "inside\n");
    assert.throws(
      () => readAll("gone", true, directory),
      Deno.errors.NotFound,
    );
    assert.throws(
      () => openDirectoryFiles(join(maildir, "missing")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

function inWorker(
  permissions: Deno.PermissionOptionsObject,
  directory: string,
  names: string[],
): Promise<string[]> {
  return askWorkerOnce<string[]>(WORKER, permissions, { directory, names });
}

Deno.test("with ffi granted, a file reads as without it, and a directory resolved out of the read grant is left to Deno's API", async () => {
  const { root, maildir } = await setUp();
  try {
    const permissions: Deno.PermissionOptionsObject = {
      read: [maildir, new URL("../../../src", import.meta.url).pathname],
      write: false,
      net: false,
      env: false,
      run: false,
      sys: false,
      ffi: true,
      import: false,
    };
    const [direct, names, one, out, inside] = await inWorker(
      permissions,
      join(maildir, "new"),
      ["1.M1P1.host", "2.link-out", "3.link-in"],
    );
    assert.equal(direct, `direct: ${Deno.build.os === "linux"}`);
    assert.equal(names, ".hidden 1.M1P1.host 2.link-out 3.link-in");
    assert.equal(one, "one\n");
    // As without ffi: Deno checks the link's own path, inside the grant.
    const [, , , before] = await inWorker(
      { ...permissions, ffi: false },
      join(maildir, "new"),
      ["1.M1P1.host", "2.link-out"],
    );
    assert.equal(out, before);
    assert.equal(inside, "inside\n");
    // The directory itself a link out of the grant.
    await Deno.mkdir(join(root, "elsewhere"));
    await Deno.symlink(join(root, "elsewhere"), join(maildir, "cur"));
    await Deno.writeTextFile(join(root, "elsewhere", "4.M4"), "four\n");
    const linked = await inWorker(permissions, join(maildir, "cur"), ["4.M4"]);
    // Deno's API alone, as before: the C library is not used there.
    assert.deepEqual(linked, ["direct: false", "4.M4", "four\n"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
