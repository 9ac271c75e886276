/**
 * real_path.ts: existing paths, missing tails, dangling links and loops.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { realPathOf } from "../../../src/layout/real_path.ts";

Deno.test("real path: links followed, existing or not, loops left as named", async () => {
  const dir = Deno.realPathSync(
    await Deno.makeTempDir({ prefix: "mailsrv-realpath-" }),
  );
  try {
    await Deno.mkdir(join(dir, "real"));
    await Deno.symlink(join(dir, "real"), join(dir, "link"));
    await Deno.symlink(join(dir, "real", "target"), join(dir, "dangling"));
    await Deno.symlink("../real", join(dir, "real", "up"));
    await Deno.symlink(join(dir, "loop"), join(dir, "loop"));
    const cases: [string, string][] = [
      ["link", "real"],
      ["link/new/Maildir/", "real/new/Maildir"],
      ["dangling", "real/target"],
      ["link/up/x", "real/x"],
      ["loop", "loop"],
    ];
    for (const [named, real] of cases) {
      assert.equal(realPathOf(join(dir, named)), join(dir, real), named);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
