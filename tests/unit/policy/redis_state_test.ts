import assert from "node:assert/strict";
import type { Maillog } from "../../../src/log/maillog.ts";
import { openRedisState } from "../../../src/policy/redis_state.ts";
import { SharedStateUnavailable } from "../../../src/policy/shared_state.ts";
import { parseSharedStateAddress } from "../../../src/policy/shared_state_address.ts";
import { haveRedis, startRedis } from "../../helpers/redis_server.ts";
import { waitFor } from "../../helpers/daemon.ts";
import { sharedStateConformance } from "./shared_state_conformance.ts";

const available = haveRedis();

function quietLog(lines: string[] = []): Maillog {
  const add = (level: string) => (m: string) => lines.push(`${level}: ${m}`);
  return {
    info: add("info"),
    warning: add("warning"),
    error: add("error"),
    fatal: add("fatal"),
  };
}

function open(url: string, log: Maillog = quietLog()) {
  const address = parseSharedStateAddress(url);
  if (address.kind === "sqlite") throw new Error("not redis");
  return openRedisState(address, url, log);
}

// ioredis keeps timers and sockets of its own between calls.
sharedStateConformance("redis", async () => {
  const redis = await startRedis();
  const state = open(redis.url(3));
  return {
    state,
    peer: () => open(redis.url(3)),
    now: Date.now,
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    async close() {
      await state.close();
      await redis.stop();
    },
  };
}, { ignore: !available, sanitize: false });

Deno.test({
  name:
    "redis shared state: an outage throws SharedStateUnavailable, is logged once, and ends",
  ignore: !available,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const lines: string[] = [];
    const state = open(redis.url(), quietLog(lines));
    try {
      await state.put("t", "k", "v", 600_000);
      await redis.stop();
      for (let i = 0; i < 5; i++) {
        await assert.rejects(state.get("t", "k"), SharedStateUnavailable);
      }
      assert.equal(await state.healthy(), false);
      const warnings = lines.filter((l) => l.startsWith("warning:"));
      assert.equal(warnings.length, 1, lines.join("\n"));
      assert.match(
        warnings[0],
        /shared state redis:\/\/127\.0\.0\.1:\d+\/0 unavailable: .*check_greylist answers smtpd_greylist_default_action/,
      );
      await redis.start();
      await waitFor(
        "the reconnection",
        () => state.healthy().then((ok) => ok || undefined),
        15_000,
      );
      // An empty Redis came back: the entry is gone, the store works.
      assert.equal(await state.get("t", "k"), undefined);
      await state.put("t", "k", "w", 600_000);
      assert.equal(await state.get("t", "k"), "w");
      assert.equal(lines.filter((l) => l.startsWith("warning:")).length, 1);
      assert.ok(
        lines.some((l) =>
          /^info: shared state .* available again after \d+s$/.test(l)
        ),
        lines.join("\n"),
      );
    } finally {
      await state.close();
      await redis.stop();
    }
  },
});
