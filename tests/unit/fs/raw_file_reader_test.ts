import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type RawFileReader,
  rawFileReader,
} from "../../../src/fs/raw_file_reader.ts";

const libcReader = rawFileReader();
const denoReader = rawFileReader({ libc: false });
const READERS: [string, RawFileReader][] = [
  ["libc", libcReader],
  ["Deno", denoReader],
];

/** The error `read` throws (fails the test when it throws none). */
function thrown(read: () => unknown): Error {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("no error thrown");
}

async function withHome(test: (home: string) => Promise<void> | void) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-raw-reader-" });
  try {
    await test(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("raw file reader: the C library is used on this Linux, Deno's API when asked", () => {
  assert.equal(libcReader.direct, Deno.build.os === "linux");
  assert.equal(denoReader.direct, false);
});

Deno.test("raw file reader: one read fills the buffer from the start of the file", async () => {
  await withHome((home) => {
    const text = "queue file header\n".repeat(1000);
    Deno.writeTextFileSync(join(home, "long"), text);
    Deno.writeTextFileSync(join(home, "short"), "é short\n");
    Deno.writeTextFileSync(join(home, "empty"), "");
    const decoder = new TextDecoder();
    for (const [name, reader] of READERS) {
      const buffer = new Uint8Array(8192);
      assert.equal(reader.readPrefix(join(home, "long"), buffer), 8192, name);
      assert.equal(decoder.decode(buffer), text.slice(0, 8192), name);
      const small = new Uint8Array(64);
      const filled = reader.readPrefix(join(home, "short"), small);
      assert.equal(decoder.decode(small.subarray(0, filled)), "é short\n");
      assert.equal(reader.readPrefix(join(home, "empty"), buffer), 0, name);
    }
  });
});

Deno.test("raw file reader: a failing read throws Deno's own error, the same through either way", async () => {
  await withHome((home) => {
    Deno.writeTextFileSync(join(home, "file"), "x");
    const buffer = new Uint8Array(16);
    const cases = [
      join(home, "gone"), // ENOENT: a message delivered meanwhile
      join(home, "file", "below"), // ENOTDIR
      home, // EISDIR, from read(2) after a good open(2)
      join(home, "x".repeat(5000)), // longer than the path buffer
    ];
    for (const path of cases) {
      const viaLibc = thrown(() => libcReader.readPrefix(path, buffer));
      const viaDeno = thrown(() => denoReader.readPrefix(path, buffer));
      assert.equal(viaLibc.constructor, viaDeno.constructor, path);
      assert.equal(viaLibc.message, viaDeno.message);
    }
    assert.ok(
      thrown(() => libcReader.readPrefix(cases[0], buffer)) instanceof
        Deno.errors.NotFound,
    );
  });
});

Deno.test({
  name:
    "raw file reader: an unreadable file is PermissionDenied, as through Deno",
  // Root reads files whatever their mode.
  ignore: Deno.uid() === 0,
  fn: () =>
    withHome((home) => {
      const path = join(home, "locked");
      Deno.writeTextFileSync(path, "x", { mode: 0o000 });
      for (const [name, reader] of READERS) {
        assert.ok(
          thrown(() => reader.readPrefix(path, new Uint8Array(8))) instanceof
            Deno.errors.PermissionDenied,
          name,
        );
      }
    }),
});

Deno.test("raw file reader: a directory's regular files, over several getdents64 buffers", async () => {
  await withHome((home) => {
    const queue = join(home, "deferred");
    Deno.mkdirSync(queue);
    // About 40 bytes an entry: 8,000 need two 256 KiB buffers.
    const expected: string[] = [];
    for (let i = 0; i < 8000; i++) {
      const name = `8E9${String(i).padStart(12, "0")}`;
      Deno.writeTextFileSync(join(queue, name), "");
      expected.push(name);
    }
    Deno.writeTextFileSync(join(queue, "naïve-ünïcode"), "");
    expected.push("naïve-ünïcode");
    Deno.mkdirSync(join(queue, "a-directory"));
    Deno.symlinkSync(join(queue, expected[0]), join(queue, "a-symlink"));
    for (const [name, reader] of READERS) {
      assert.deepEqual(
        reader.fileNames(queue).sort(),
        expected.sort(),
        name,
      );
    }
  });
});

Deno.test("raw file reader: a directory that cannot be listed throws Deno's own error", async () => {
  await withHome((home) => {
    Deno.writeTextFileSync(join(home, "file"), "x");
    for (const path of [join(home, "gone"), join(home, "file")]) {
      const viaLibc = thrown(() => libcReader.fileNames(path));
      const viaDeno = thrown(() => denoReader.fileNames(path));
      assert.equal(viaLibc.constructor, viaDeno.constructor, path);
      assert.equal(viaLibc.message, viaDeno.message);
    }
    assert.ok(
      thrown(() => libcReader.fileNames(join(home, "gone"))) instanceof
        Deno.errors.NotFound,
    );
  });
});

Deno.test("raw file reader: without the ffi permission, Deno's API reads", async () => {
  await withHome(async (home) => {
    const module = new URL(
      "../../../src/fs/raw_file_reader.ts",
      import.meta.url,
    );
    const script = join(home, "read.ts");
    Deno.writeTextFileSync(
      script,
      `import { rawFileReader } from ${JSON.stringify(module.href)};
const reader = rawFileReader();
const buffer = new Uint8Array(64);
const filled = reader.readPrefix(Deno.args[0], buffer);
console.log(reader.direct, new TextDecoder().decode(buffer.subarray(0, filled)));
`,
    );
    Deno.writeTextFileSync(join(home, "file"), "sender=alice@example.org");
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-config",
        "--allow-read",
        "--deny-ffi",
        "--no-prompt",
        script,
        join(home, "file"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(out.code, 0, decoder.decode(out.stderr));
    assert.equal(
      decoder.decode(out.stdout),
      "false sender=alice@example.org\n",
    );
  });
});

Deno.test("raw file reader: holdsFile finds a regular file that passes the test, past several getdents64 buffers", async () => {
  await withHome((home) => {
    const queue = join(home, "deferred");
    Deno.mkdirSync(queue);
    // Names that fail the test fill more than one 256 KiB buffer.
    for (let i = 0; i < 8000; i++) {
      Deno.writeTextFileSync(join(queue, `not-an-id-${i}`), "");
    }
    Deno.mkdirSync(join(queue, "8E9000000000dir"));
    Deno.symlinkSync(
      join(queue, "not-an-id-0"),
      join(queue, "8E9000000000sym"),
    );
    const isId = (name: string) => name.startsWith("8E9");
    for (const [name, reader] of READERS) {
      assert.equal(reader.holdsFile(queue, isId), false, name);
    }
    Deno.writeTextFileSync(join(queue, "8E9000000000001"), "");
    for (const [name, reader] of READERS) {
      assert.equal(reader.holdsFile(queue, isId), true, name);
      assert.equal(reader.holdsFile(queue, () => false), false, name);
    }
    const viaLibc = thrown(() =>
      libcReader.holdsFile(join(home, "gone"), isId)
    );
    assert.ok(viaLibc instanceof Deno.errors.NotFound);
  });
});
