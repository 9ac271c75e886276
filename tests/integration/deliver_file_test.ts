/**
 * `mailsrv deliver-file` end to end: the real program, message on stdin.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMailsrv } from "../helpers/daemon.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-deliver-file-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ENVELOPE = ["--sender=", "--recipient=Bob@Example.org", "--hostname=mx"];

Deno.test("deliver-file: appends stdin to an mbox file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "archive");
    const result = await runMailsrv(
      ["deliver-file", ...ENVELOPE, "--", path],
      { stdin: "Subject: x\n\nFrom me\n" },
    );
    assert.equal(result.code, 0, result.stderr);
    const text = await Deno.readTextFile(path);
    assert.match(text, /^From MAILER-DAEMON \w{3} \w{3} [ \d]\d /);
    assert.ok(
      text.endsWith(
        "\nReturn-Path: <>\nDelivered-To: bob@example.org\n" +
          "Subject: x\n\n>From me\n\n",
      ),
      text,
    );
  });
});

Deno.test("deliver-file: delivers stdin into a Maildir", async () => {
  await withTempDir(async (dir) => {
    const maildir = join(dir, "Maildir") + "/";
    const result = await runMailsrv(
      ["deliver-file", ...ENVELOPE, "--queue-id=4Xq9Zk2mTb", "--", maildir],
      { stdin: "Subject: x\n\nbody\n" },
    );
    assert.equal(result.code, 0, result.stderr);
    const names = [...Deno.readDirSync(join(maildir, "new"))].map((e) =>
      e.name
    );
    assert.equal(names.length, 1);
  });
});

Deno.test("deliver-file: failures exit 73 or 75 with a status line", async () => {
  await withTempDir(async (dir) => {
    const plain = join(dir, "plain");
    await Deno.writeTextFile(plain, "");
    const permanent = await runMailsrv(
      ["deliver-file", ...ENVELOPE, "--", join(plain, "mbox")],
      { stdin: "x\n" },
    );
    assert.equal(permanent.code, 73);
    assert.match(
      permanent.stderr.trim(),
      /5\.2\.0 cannot update mailbox "[^"]+"[^\n]*$/,
    );
    const relative = await runMailsrv(
      ["deliver-file", ...ENVELOPE, "--", "archive"],
      { stdin: "x\n" },
    );
    assert.equal(relative.code, 73);
    assert.match(relative.stderr, /5\.3\.5 cannot deliver to file "archive"/);
  });
});

Deno.test("deliver-file: a bad command line is a usage error", async () => {
  const result = await runMailsrv(["deliver-file", "--", "/dev/null"], {
    stdin: "",
  });
  assert.equal(result.code, 64);
  assert.match(result.stderr, /option "--sender" is required/);
});
