/**
 * npm `ioredis`, loaded so that it reads named environment variables only.
 *
 * DESCRIPTION
 *   ioredis logs through npm `debug`, whose Node entry (`src/node.js`)
 *   runs `Object.keys(process.env)` when it is loaded, to find its
 *   `DEBUG_*` options. Listing the environment needs Deno's whole `env`
 *   grant (a grant of named variables throws NotCapable there), which
 *   would give smtpd's and pop3d's threads every secret of the daemon's
 *   environment. Nothing else in ioredis or its dependencies reads the
 *   environment; `debug` later reads `process.env.DEBUG` only.
 *
 *   So, in a thread without the whole environment, this module swaps
 *   the thread's `process.env` for a plain object
 *   holding REDIS_LIBRARY_ENVIRONMENT's variables (those the thread may
 *   read) while ioredis is loaded, then puts the real one back; the
 *   roles' grants name those variables (role_permissions.ts). `DEBUG`
 *   still turns on ioredis's trace (`DEBUG=ioredis:*`).
 *
 *   Used by redis_state.ts in place of `import … from "ioredis"`.
 *
 *   Does NOT patch or copy the library.
 */
import process from "node:process";
import type * as Ioredis from "ioredis";
import { REDIS_LIBRARY_ENVIRONMENT } from "./redis_environment.ts";

/** The variables of `names` this thread may read, as an environment. */
function namedEnvironment(names: readonly string[]): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of names) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) kept[name] = value;
    } catch {
      // Not granted: as if unset.
    }
  }
  return kept;
}

/** ioredis, loaded with named variables only unless all are granted. */
async function load(): Promise<typeof Ioredis> {
  // With the whole environment (the master) nothing needs hiding, and
  // other modules loading meanwhile see the real one.
  if (Deno.permissions.querySync({ name: "env" }).state === "granted") {
    return await import("ioredis");
  }
  const environment = process.env;
  try {
    process.env = namedEnvironment(REDIS_LIBRARY_ENVIRONMENT);
    return await import("ioredis");
  } finally {
    process.env = environment;
  }
}

const library = await load();

/** ioredis's client of one server (or a Sentinel-watched master). */
export const Redis: typeof Ioredis.Redis = library.Redis;
/** A client of one server. */
export type Redis = Ioredis.Redis;
/** ioredis's Redis Cluster client. */
export const Cluster: typeof Ioredis.Cluster = library.Cluster;
/** A Cluster client. */
export type Cluster = Ioredis.Cluster;
export type { RedisOptions } from "ioredis";
