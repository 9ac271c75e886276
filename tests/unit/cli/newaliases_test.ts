import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkAliasFiles,
  newaliasesCommand,
} from "../../../src/cli/newaliases.ts";

/** Collects what a command prints. */
function output() {
  const printed: string[] = [];
  const warned: string[] = [];
  return {
    printed,
    warned,
    print: (text: string) => void printed.push(text),
    warn: (text: string) => void warned.push(text),
  };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-newaliases-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("newaliases: clean files are counted, exit 0", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    await Deno.writeTextFile(path, "# x\nroot: alice\nstaff: a,\n  b\n");
    const out = output();
    const code = await checkAliasFiles(
      [`hash:${path}`, "inline:{ a=b }", `texthash:${path}`],
      out,
    );
    assert.equal(code, 0);
    assert.deepEqual(out.printed, [`mailsrv: ${path}: 2 aliases\n`]);
    assert.deepEqual(out.warned, []);
  });
});

Deno.test("newaliases: every problem is printed with file and line, exit 1", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "aliases");
    await Deno.writeTextFile(path, "root: alice\nbroken\nempty:\nroot: bob\n");
    const out = output();
    assert.equal(await checkAliasFiles([`hash:${path}`], out), 1);
    assert.deepEqual(out.warned, [
      `mailsrv: warning: ${path}:2: missing ":" in "broken"`,
      `mailsrv: warning: ${path}:3: no value for alias "empty"`,
      `mailsrv: warning: ${path}:4: duplicate alias "root": the last entry wins`,
    ]);
    assert.deepEqual(out.printed, [`mailsrv: ${path}: 1 alias\n`]);
  });
});

Deno.test("newaliases: a missing or unreadable file fails", async () => {
  await withDir(async (dir) => {
    const missing = join(dir, "none");
    const out = output();
    assert.equal(
      await checkAliasFiles([`hash:${missing}`, `hash:${dir}`], out),
      1,
    );
    assert.deepEqual(out.printed, []);
    assert.equal(out.warned.length, 2);
    assert.match(
      out.warned[0],
      new RegExp(`^mailsrv: error: ${missing}: no such file; local delivery`),
    );
    assert.match(out.warned[1], /^mailsrv: warning: .*: cannot read: /);
  });
});

Deno.test("newaliases: the command reads alias_maps from --config", async () => {
  await withDir(async (dir) => {
    const aliases = join(dir, "aliases");
    await Deno.writeTextFile(aliases, "postmaster: root\n");
    const config = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(
      config,
      `queue_directory = "${join(dir, "queue")}"\n` +
        `alias_maps = "hash:${aliases}"\n`,
    );
    const out = output();
    const code = await newaliasesCommand.run({
      values: {},
      operands: [],
      configPath: config,
      print: out.print,
      warn: out.warn,
    });
    assert.equal(code, 0);
    assert.deepEqual(out.printed, [`mailsrv: ${aliases}: 1 alias\n`]);
  });
});
