/**
 * The protected layout reused for a second: a passwd file made a link is
 * known by its target once the second is over; a new domain's passwd file
 * is protected by its name at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkMailbox } from "../../../src/layout/mod.ts";
import {
  RECENT_LAYOUT_MS,
  recentProtectedLayout,
} from "../../../src/layout/recent_layout.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

async function withBase(
  body: (dir: string, base: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "mailsrv-recent-" }),
  );
  const base = join(dir, "vmail");
  try {
    await Deno.mkdir(join(base, "one.test"), { recursive: true });
    await Deno.writeTextFile(join(base, "one.test", "passwd"), "u:x\n");
    await Deno.mkdir(join(dir, "etc"));
    await Deno.writeTextFile(join(dir, "etc", "secret"), "");
    await body(dir, base);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const paths = async (layout: ReturnType<typeof recentProtectedLayout>) =>
  (await layout).files.map((file) => file.path);

Deno.test("a passwd file made a link is known by its target after RECENT_LAYOUT_MS", async () => {
  await withBase(async (dir, base) => {
    const config = baseTestConfig({
      queue_directory: join(dir, "queue"),
      pop3_passwd_directory: base,
    });
    const t0 = 1_000_000;
    const secret = join(dir, "etc", "secret");
    assert.ok(
      !(await paths(recentProtectedLayout(config, t0))).includes(secret),
    );
    await Deno.remove(join(base, "one.test", "passwd"));
    await Deno.symlink(secret, join(base, "one.test", "passwd"));
    // Within the window the layout is the one resolved before.
    assert.ok(
      !(await paths(recentProtectedLayout(config, t0 + 10))).includes(secret),
    );
    assert.ok(
      (await paths(recentProtectedLayout(config, t0 + RECENT_LAYOUT_MS)))
        .includes(secret),
    );
    // A clock that went back does not keep an old layout either.
    assert.ok(
      (await paths(recentProtectedLayout(config, t0 - 5))).includes(secret),
    );
  });
});

Deno.test("a domain added to pop3_passwd_directory is protected by name at once, at its target after RECENT_LAYOUT_MS", async () => {
  await withBase(async (dir, base) => {
    const config = baseTestConfig({
      queue_directory: join(dir, "queue"),
      pop3_passwd_directory: base,
    });
    const t0 = 2_000_000;
    const secret = join(dir, "etc", "secret");
    assert.ok(
      !(await paths(recentProtectedLayout(config, t0))).includes(secret),
    );
    await Deno.mkdir(join(base, "two.test"));
    await Deno.symlink(secret, join(base, "two.test", "passwd"));
    const refusal = await checkMailbox(
      config,
      { format: "mbox", path: join(base, "two.test", "passwd") },
      "virtual",
    );
    assert.match(refusal!.reason, /is the POP3 password file of "two\.test"/);
    const files =
      (await recentProtectedLayout(config, t0 + RECENT_LAYOUT_MS)).files;
    assert.equal(
      files.find((file) => file.path === secret)?.domain,
      "two.test",
    );
  });
});

Deno.test("each configuration has its own layout", async () => {
  await withBase(async (dir, base) => {
    const t0 = 3_000_000;
    const first = baseTestConfig({
      queue_directory: join(dir, "queue"),
      pop3_passwd_directory: base,
    });
    const second = { ...first, maillog_file: join(dir, "etc", "secret") };
    await recentProtectedLayout(first, t0);
    assert.ok(
      (await paths(recentProtectedLayout(second, t0 + 1)))
        .includes(join(dir, "etc", "secret")),
    );
  });
});
