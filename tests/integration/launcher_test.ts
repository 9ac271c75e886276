/**
 * bin/mailsrv, the way to run the commands from a checkout: from any
 * working directory, through symbolic links (as `sendmail` or `mailq`
 * will be), with the sandbox and V8 flags `mailsrv start` uses, and
 * without Deno's own notices on stderr.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { selfCommand } from "../../src/common/self_command.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const LAUNCHER = join(ROOT, "bin", "mailsrv");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const out = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.env !== undefined,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "mailsrv-launcher-" }),
  );
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A stand-in for Deno that prints the name it was run for and its arguments. */
const FAKE_DENO = `#!/bin/sh
echo "invoked-as=$MAILSRV_INVOKED_AS"
for arg in "$@"; do echo "arg=$arg"; done
`;

async function writeExecutable(path: string, text: string): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, 0o755);
}

/** A checkout with only the launcher in it. */
async function fakeCheckout(dir: string): Promise<string> {
  const checkout = join(dir, "checkout");
  await writeExecutable(
    join(checkout, "bin", "mailsrv"),
    await Deno.readTextFile(LAUNCHER),
  );
  return checkout;
}

/** `sh` utilities the launcher needs, without any `deno` beside them. */
async function minimalPath(dir: string): Promise<string> {
  const bin = join(dir, "minbin");
  await Deno.mkdir(bin);
  for (const tool of ["dirname", "basename", "readlink"]) {
    const found = await run("sh", ["-c", `command -v ${tool}`]);
    await Deno.symlink(found.stdout.trim(), join(bin, tool));
  }
  return bin;
}

Deno.test("bin/mailsrv runs a command from any directory and through links, silently", async () => {
  await withTempDir(async (dir) => {
    const config = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(
      config,
      `myhostname = "mx.example.test"\nqueue_directory = "${dir}/queue"\n`,
    );
    await Deno.symlink(LAUNCHER, join(dir, "mailsrv"));
    await Deno.mkdir(join(dir, "sbin"));
    await Deno.symlink("../mailsrv", join(dir, "sbin", "mailsrv"));

    for (const command of [LAUNCHER, join(dir, "sbin", "mailsrv")]) {
      const r = await run(command, ["postconf", "-c", config, "-n"], {
        cwd: dir,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^myhostname = mx\.example\.test$/m);
      assert.equal(r.stderr, "", `${command} prints nothing on stderr`);
    }
  });
});

Deno.test("bin/mailsrv passes the sandbox of mailsrv start and the name it was invoked by", async () => {
  await withTempDir(async (dir) => {
    const checkout = await fakeCheckout(dir);
    await writeExecutable(
      join(checkout, "tools", "node_modules", ".bin", "deno"),
      FAKE_DENO,
    );
    await Deno.mkdir(join(dir, "links"));
    await Deno.symlink(
      "../checkout/bin/mailsrv",
      join(dir, "links", "sendmail"),
    );
    await Deno.symlink("sendmail", join(dir, "links", "mailq"));

    const r = await run(join(dir, "links", "mailq"), ["-t", "a b"], {
      cwd: "/",
    });
    assert.equal(r.code, 0, r.stderr);
    const [invoked, ...args] = r.stdout.trimEnd().split("\n");
    assert.equal(invoked, "invoked-as=mailq");
    // Exactly what `mailsrv start` runs, with this checkout's paths.
    const self = selfCommand(["-t", "a b"]).args.map((arg) =>
      arg.replace(ROOT, checkout)
    );
    assert.deepEqual(args, self.map((arg) => `arg=${arg}`));
  });
});

Deno.test("bin/mailsrv takes Deno from PATH without tools/, and says so when there is none", async () => {
  await withTempDir(async (dir) => {
    const checkout = await fakeCheckout(dir);
    const bin = await minimalPath(dir);
    await writeExecutable(join(dir, "path", "deno"), FAKE_DENO);

    const found = await run(join(checkout, "bin", "mailsrv"), ["status"], {
      env: { PATH: `${join(dir, "path")}:${bin}` },
    });
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^arg=status$/m);

    const missing = await run(join(checkout, "bin", "mailsrv"), ["status"], {
      env: { PATH: bin },
    });
    assert.equal(missing.code, 69);
    assert.equal(missing.stdout, "");
    assert.equal(
      missing.stderr,
      `mailsrv: fatal: Deno not found: run "npm ci --prefix tools" in ${checkout}, or install Deno\n`,
    );
  });
});

Deno.test("deno task start prints no notice about the permission set", async () => {
  // `run --help` prints the help and exits: the task's whole start-up.
  const r = await run(Deno.execPath(), [
    "task",
    `--config=${join(ROOT, "deno.json")}`,
    "start",
    "--help",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^usage: mailsrv run/);
  // deno task echoes the command (its V8 flags name an "experimental"
  // engine); the notice looked for would come on a line of its own.
  const notices = r.stderr.split("\n").filter((l) =>
    !l.includes("main.ts run")
  );
  assert.doesNotMatch(notices.join("\n"), /warning|experimental/i);
});
