import assert from "node:assert/strict";
import { join } from "node:path";

/**
 * Runs a script that prints invokedName() through a link to the Deno
 * executable named `name`, as a compiled binary installed as that link
 * runs; `denyProc` hides /proc/self/cmdline (the node:process way).
 */
async function invokedThrough(
  name: string,
  denyProc: boolean,
): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-invoked-" });
  try {
    const module = new URL("../../../src/cli/invoked_as.ts", import.meta.url);
    const script = join(home, "name.ts");
    await Deno.writeTextFile(
      script,
      `import { invokedName } from ${JSON.stringify(module.href)};
console.log(await invokedName());
`,
    );
    const link = join(home, name);
    await Deno.symlink(Deno.execPath(), link);
    const env = { ...Deno.env.toObject() };
    delete env.MAILSRV_INVOKED_AS;
    const out = await new Deno.Command(link, {
      args: [
        "run",
        "--quiet",
        "--no-config",
        "--allow-read",
        "--allow-env",
        ...(denyProc ? ["--deny-read=/proc"] : []),
        "--no-prompt",
        script,
      ],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(out.code, 0, decoder.decode(out.stderr));
    return decoder.decode(out.stdout).trim();
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("invokedName: the link's name, from /proc/self/cmdline or from node:process", async () => {
  assert.equal(await invokedThrough("mailq", false), "mailq");
  assert.equal(await invokedThrough("newaliases", true), "newaliases");
});
