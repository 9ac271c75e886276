/**
 * The network shared-state store: Redis, for several mailsrv hosts.
 *
 * DESCRIPTION
 *   Implements `SharedState` (`shared_state.ts`) on one Redis server, a
 *   Sentinel-watched master or a Redis Cluster, through npm `ioredis`.
 *   Each entry is one Redis key, `mailsrv:<table>:<key>`, with Redis's own
 *   expiry as its time to live; every call is one atomic step:
 *
 *     get          GET
 *     put          SET … PX
 *     putIfAbsent  SET … PX NX GET (Redis 7.0 and later)
 *     touch        PEXPIRE
 *     increment    MULTI INCR PEXPIRE EXEC
 *     count        MULTI ZREMRANGEBYSCORE ZADD ZCARD PEXPIRE EXEC on a
 *                  sorted set of event times (a sliding window)
 *     remove       DEL;  list: SCAN (on every master of a Cluster)
 *
 *   A call touches one key, so a Cluster serves it from one slot.
 *
 *   Outages: calls are never queued while the connection is down
 *   (`enableOfflineQueue: false`) and time out after COMMAND_TIMEOUT_MS,
 *   so a session never waits on a dead store; they throw
 *   `SharedStateUnavailable`, which each restriction turns into its
 *   default. ioredis reconnects with a backoff doubling from
 *   RETRY_FIRST_MS up to RETRY_MAX_MS; the outage is logged once when it
 *   starts and once when it ends (`state_outage.ts`). The first calls
 *   after opening wait for the first connection (at most
 *   CONNECT_TIMEOUT_MS).
 *
 *   Used by `open_shared_state.ts`. Needs net access to the Redis nodes
 *   (and Sentinels).
 *
 *   Does NOT persist anything itself: durability is Redis's own
 *   configuration (RDB/AOF); losing it only means clients are greylisted
 *   again and POP3 users log in again before relaying.
 */
import { Cluster, Redis, type RedisOptions } from "./redis_library.ts";
import type { Maillog } from "../log/maillog.ts";
import type { SharedStateAddress } from "./shared_state_address.ts";
import {
  type SharedEntry,
  type SharedState,
  SharedStateUnavailable,
} from "./shared_state.ts";
import { createOutageWatch } from "./state_outage.ts";

/** Every key of mailsrv starts with this. */
export const KEY_PREFIX = "mailsrv:";
const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 2_000;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/** Reconnection backoff: 250 ms, 500 ms, 1 s, … up to 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(
    RETRY_FIRST_MS * 2 ** Math.min(attempt - 1, 10),
    RETRY_MAX_MS,
  );
}

/** Redis replies that mean "not now" rather than a mistake of ours. */
const TRANSIENT_REPLY = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN)\b/;

type Client = Redis | Cluster;

/**
 * Opens the store at `address` (a Redis kind); connects in the background.
 * @param description what logs call it (the address without password)
 */
export function openRedisState(
  address: Exclude<SharedStateAddress, { kind: "sqlite" }>,
  description: string,
  log: Maillog,
): SharedState {
  const watch = createOutageWatch(description, log);
  const client = createClient(address);
  let closing = false;
  // ioredis reports each failed reconnection as an "error" event; the watch
  // turns the first into the outage's one log line.
  client.on("error", (e: unknown) => {
    if (!closing) watch.failed(e);
  });
  client.on("ready", () => watch.succeeded());
  const firstContact = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", done);
    client.once("error", done);
  });
  const key = (table: string, k: string) => `${KEY_PREFIX}${table}:${k}`;
  const run = async <T>(call: () => Promise<T>): Promise<T> => {
    await firstContact;
    try {
      const result = await call();
      watch.succeeded();
      return result;
    } catch (e) {
      const reply = e instanceof Error && e.name === "ReplyError";
      if (reply && !TRANSIENT_REPLY.test(e.message)) throw e;
      watch.failed(e);
      throw new SharedStateUnavailable(description, e);
    }
  };
  const transaction = async (
    build: (m: ReturnType<Client["multi"]>) => unknown,
  ): Promise<unknown[]> => {
    const m = client.multi();
    build(m);
    const replies = await m.exec();
    if (replies === null) throw new Error("transaction aborted");
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  };

  return {
    description,
    get(table, k) {
      return run(async () => (await client.get(key(table, k))) ?? undefined);
    },
    put(table, k, value, ttlMs) {
      return run(async () => {
        await client.set(key(table, k), value, "PX", positive(ttlMs));
      });
    },
    putIfAbsent(table, k, value, ttlMs) {
      return run(async () => {
        const old = await client.call(
          "SET",
          key(table, k),
          value,
          "PX",
          positive(ttlMs),
          "NX",
          "GET",
        ) as string | null;
        return old ?? undefined;
      });
    },
    touch(table, k, ttlMs) {
      return run(async () => {
        await client.pexpire(key(table, k), positive(ttlMs));
      });
    },
    increment(table, k, ttlMs) {
      const name = key(table, k);
      return run(async () => {
        const [n] = await transaction((m) =>
          m.incr(name).pexpire(name, positive(ttlMs))
        );
        return Number(n);
      });
    },
    count(table, k, nowMs, windowMs) {
      const name = key(table, k);
      const at = Math.floor(nowMs);
      // Unique members: two events in the same millisecond both count.
      const member = `${at}:${crypto.randomUUID()}`;
      return run(async () => {
        const replies = await transaction((m) =>
          m.zremrangebyscore(name, "-inf", Math.floor(nowMs - windowMs))
            .zadd(name, at, member)
            .zcard(name)
            .pexpire(name, positive(windowMs))
        );
        return Number(replies[2]);
      });
    },
    remove(table, k) {
      return run(async () => (await client.del(key(table, k))) > 0);
    },
    list(table, limit) {
      return run(() => listEntries(client, `${KEY_PREFIX}${table}:`, limit));
    },
    async healthy() {
      try {
        await run(() => client.ping());
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      closing = true;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function positive(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

function createClient(
  address: Exclude<SharedStateAddress, { kind: "sqlite" }>,
): Client {
  const common: RedisOptions = {
    username: address.username,
    password: address.password,
    tls: address.tls ? {} : undefined,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
  };
  if (address.kind === "cluster") {
    return new Cluster(address.nodes.map((n) => ({ ...n })), {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: common,
    });
  }
  if (address.kind === "sentinel") {
    return new Redis({
      ...common,
      db: address.db,
      sentinels: address.nodes.map((n) => ({ ...n })),
      name: address.master,
      sentinelRetryStrategy: reconnectDelay,
    });
  }
  const [node] = address.nodes;
  return new Redis({
    ...common,
    host: node.host,
    port: node.port,
    db: address.db,
  });
}

/** Live entries under `prefix`, SCANned from every master. */
async function listEntries(
  client: Client,
  prefix: string,
  limit: number,
): Promise<SharedEntry[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  const names: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    // Bounded: SCAN ends when the cursor comes back to 0.
    do {
      const [next, batch] = await node.scan(
        cursor,
        "MATCH",
        pattern,
        "COUNT",
        200,
      );
      cursor = next;
      names.push(...batch);
    } while (cursor !== "0" && names.length < limit);
    if (names.length >= limit) break;
  }
  const entries: SharedEntry[] = [];
  for (const name of names.sort().slice(0, limit)) {
    const [value, ttl] = await Promise.all([
      client.get(name).catch(() => null),
      client.pttl(name),
    ]);
    if (value === null || ttl < 0) continue;
    entries.push({ key: name.slice(prefix.length), value, ttlMs: ttl });
  }
  return entries;
}
