/**
 * Shared-state checks per second, the embedded SQLite store against Redis
 * in the same run (`deno bench -A bench/shared_state_bench.ts`): a
 * greylist check of a passed triplet (a get, a put-if-absent and a touch)
 * and a rate count (one event added to a sliding window), one at a time
 * as a session asks them. Redis is a private `redis-server` on loopback
 * without persistence; without redis-server only SQLite is measured.
 * The SQLite file lives in a temporary directory (fsync as the disk
 * gives it; synchronous = NORMAL in WAL mode).
 */
import { join } from "node:path";
import { greylistCheck } from "../src/policy/greylist.ts";
import { openSharedState } from "../src/policy/open_shared_state.ts";
import type { SharedState } from "../src/policy/shared_state.ts";

const SETTINGS = {
  delay: 0,
  retryWindow: 172_800,
  autoWhitelist: 0,
  maxAge: 3_024_000,
};
const attempt = {
  clientAddress: "192.0.2.7",
  sender: "alice@example.com",
  recipient: "bob@example.org",
};

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startRedis(): Promise<
  { url: string; stop(): void } | undefined
> {
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    console.warn("SKIPPED: redis-server is not installed; SQLite only");
    return undefined;
  }
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return {
        url: `redis://127.0.0.1:${port}/0`,
        stop: () => child.kill("SIGKILL"),
      };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill("SIGKILL");
  throw new Error("redis-server did not start");
}

const dir = await Deno.makeTempDir({ prefix: "mailsrv-bench-" });
const stores: [string, SharedState][] = [
  [
    "sqlite",
    openSharedState({
      shared_state: `sqlite:${join(dir, "s.sqlite")}`,
      queue_directory: dir,
    }),
  ],
];
const redis = await startRedis();
if (redis) {
  stores.push([
    "redis",
    openSharedState({ shared_state: redis.url, queue_directory: dir }),
  ]);
}
globalThis.addEventListener("unload", () => {
  redis?.stop();
  Deno.removeSync(dir, { recursive: true });
});

for (const [kind, state] of stores) {
  // A passed triplet: the common case once a sender is known.
  await greylistCheck(state, attempt, SETTINGS, Date.now());
  await greylistCheck(state, attempt, SETTINGS, Date.now());
  Deno.bench({
    name: `${kind}: greylist check of a passed triplet`,
    group: "greylist",
    baseline: kind === "sqlite",
    async fn() {
      if (
        await greylistCheck(state, attempt, SETTINGS, Date.now()) !== "pass"
      ) {
        throw new Error("not passed");
      }
    },
  });
  let n = 0;
  Deno.bench({
    name: `${kind}: rate count (one event, 60 s window)`,
    group: "rate",
    baseline: kind === "sqlite",
    async fn() {
      // Spread over clients, as anvil's table is.
      await state.count(
        "rate-message",
        `192.0.2.${n++ % 250}`,
        Date.now(),
        60_000,
      );
    },
  });
}
