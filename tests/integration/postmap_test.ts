/**
 * `mailsrv postmap` and `mailsrv postalias` beside Postfix's: the same
 * files give the same answers to `-q` (value and exit status), bad lines
 * are reported with file and line, and nothing is printed on success.
 * Postfix runs with a private configuration directory and compiles its
 * own .db files in a temporary directory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireProgram, runMailsrv } from "../helpers/daemon.ts";

const ACCESS = `# access(5)
192.0.2.7        REJECT
example.com      OK
spammer@example.net
   REJECT no thanks
novalue
example.com      DUNNO
`;

const ALIASES = `# aliases(5)
postmaster: root
root: alice, bob
bad line
list: "|/usr/bin/procmail -m list", carol
`;

async function postfix(tool: string, dir: string, args: string[]) {
  const out = await new Deno.Command(tool, {
    args: ["-c", dir, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("postmap and postalias answer -q as Postfix's do", async () => {
  if (!requireProgram("postmap")) return;
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postmap-" });
  try {
    await Deno.writeTextFile(
      join(dir, "main.cf"),
      "setgid_group = postdrop\nmail_owner = postfix\n",
    );
    const access = join(dir, "access");
    const aliases = join(dir, "aliases");
    await Deno.writeTextFile(access, ACCESS);
    await Deno.writeTextFile(aliases, ALIASES);
    assert.equal((await postfix("postmap", dir, [access])).code, 0);
    assert.equal((await postfix("postalias", dir, [aliases])).code, 0);
    const queries: Array<[string, string[]]> = [
      ["postmap", ["-q", "192.0.2.7", access]],
      ["postmap", ["-q", "EXAMPLE.COM", `hash:${access}`]],
      ["postmap", ["-q", "spammer@example.net", access]],
      ["postmap", ["-q", "nobody.example", access]],
      ["postmap", ["-q", "example.com", join(dir, "missing")]],
      ["postmap", ["-q", "x", `nosuchtype:${access}`]],
      ["postalias", ["-q", "root", aliases]],
      ["postalias", ["-q", "list", aliases]],
      ["postalias", ["-q", "nobody", aliases]],
    ];
    for (const [tool, args] of queries) {
      const theirs = await postfix(tool, dir, args);
      const ours = await runMailsrv([tool, ...args]);
      const what = `${tool} ${args.join(" ")}`;
      assert.equal(ours.stdout, theirs.stdout, what);
      assert.equal(ours.code, theirs.code, what);
      if (ours.code > 1) assert.fail(`${what}: ${ours.stderr}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("postmap and postalias print every bad line with file and line, and nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postmap-" });
  try {
    const access = join(dir, "access");
    const aliases = join(dir, "aliases");
    await Deno.writeTextFile(access, ACCESS);
    await Deno.writeTextFile(aliases, ALIASES);
    const map = await runMailsrv(["postmap", access]);
    assert.equal(map.code, 0);
    assert.equal(map.stdout, "");
    assert.equal(
      map.stderr,
      `postmap: warning: "${access}", line 6: expected format "key whitespace value": no value for key "novalue"\n` +
        `postmap: warning: "${access}", line 7: duplicate entry "example.com" ignored\n`,
    );
    const alias = await runMailsrv(["postalias", aliases]);
    assert.equal(alias.code, 0);
    assert.equal(alias.stdout, "");
    assert.equal(
      alias.stderr,
      `postalias: warning: ${aliases}:4: missing ":" in "bad line"\n`,
    );
    const clean = join(dir, "clean");
    await Deno.writeTextFile(clean, "192.0.2.0/24 REJECT\n");
    const cidr = await runMailsrv(["postmap", "-v", `cidr:${clean}`]);
    assert.equal(cidr.code, 0, cidr.stderr);
    assert.match(
      cidr.stderr,
      /: 1 entries, read as text by mailsrv .*nothing to compile/,
    );
    const found = await runMailsrv([
      "postmap",
      "-q",
      "192.0.2.9",
      `cidr:${clean}`,
    ]);
    assert.equal(found.stdout, "REJECT\n");
    const keys = await runMailsrv(["postmap", "-q", "-", access], {
      stdin: "example.com\nnobody\n192.0.2.7\n",
    });
    assert.equal(keys.code, 0);
    assert.equal(keys.stdout, "example.com\tOK\n192.0.2.7\tREJECT\n");
    const missing = await runMailsrv(["postmap", join(dir, "missing")]);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      `postmap: fatal: open ${
        join(dir, "missing")
      }: No such file or directory\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
