/**
 * `mailsrv state` lists, deletes and flushes entries on either store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMailsrv } from "../helpers/daemon.ts";
import { haveRedis, startRedis } from "../helpers/redis_server.ts";
import { openSharedState } from "../../src/policy/open_shared_state.ts";

async function exercise(sharedState: string) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-state-" });
  const configPath = join(home, "mailsrv.toml");
  const settings = {
    queue_directory: join(home, "queue"),
    shared_state: sharedState,
  };
  await Deno.writeTextFile(
    configPath,
    `queue_directory = "${settings.queue_directory}"\n` +
      `shared_state = "${sharedState}"\n`,
  );
  const state = openSharedState(settings, "test");
  try {
    const triplet = "192.0.2.0/24 alice@example.com bob@example.org";
    await state.put("greylist", triplet, '{"first":1,"passed":true}', 600_000);
    await state.put("pop-before-smtp", "192.0.2.7", "1", 600_000);
    await state.put("pop-before-smtp", "192.0.2.8", "1", 600_000);
    const state_ = (...args: string[]) =>
      runMailsrv(["state", ...args, "--config", configPath]);
    const listed = await state_("list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^greylist\t192\.0\.2\.0\/24 alice@example\.com bob@example\.org\t\{"first":1,"passed":true\}\t\d+s$/m,
    );
    assert.match(listed.stdout, /^pop-before-smtp\t192\.0\.2\.7\t1\t\d+s$/m);
    assert.equal((await state_("delete", "greylist", triplet)).code, 0);
    assert.equal(await state.get("greylist", triplet), undefined);
    const again = await state_("delete", "greylist", triplet);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no entry/);
    const flushed = await state_("flush", "pop-before-smtp");
    assert.match(flushed.stdout, /pop-before-smtp: 2 entries removed/);
    assert.equal(await state.get("pop-before-smtp", "192.0.2.8"), undefined);
    const wrong = await state_("list", "rate-message");
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /unknown table "rate-message"/);
  } finally {
    await state.close();
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("mailsrv state on the embedded SQLite store", async () => {
  await exercise("");
});

Deno.test({
  name: "mailsrv state on Redis",
  ignore: !haveRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    try {
      await exercise(redis.url(1));
    } finally {
      await redis.stop();
    }
  },
});
