/**
 * A shared-state store whose code is still loading.
 *
 * DESCRIPTION
 *   The Redis store's client library reads the whole environment when it
 *   is loaded, which a sandboxed role using SQLite must not need: so the
 *   Redis code is imported (dynamically) only when `shared_state` names
 *   Redis. The store is usable at once: every call waits for the load; a
 *   load that fails fails each call with its error.
 *
 *   Used by `open_shared_state.ts`. No I/O of its own.
 */
import type { SharedState } from "./shared_state.ts";

/** The store `loading` resolves to, usable before it does. */
export function loadingSharedState(
  description: string,
  loading: Promise<SharedState>,
): SharedState {
  // A failed load is reported by the calls, never as unhandled.
  loading.catch(() => {});
  const store = () => loading;
  return {
    description,
    get: async (table, key) => (await store()).get(table, key),
    put: async (table, key, value, ttlMs) =>
      (await store()).put(table, key, value, ttlMs),
    putIfAbsent: async (table, key, value, ttlMs) =>
      (await store()).putIfAbsent(table, key, value, ttlMs),
    touch: async (table, key, ttlMs) =>
      (await store()).touch(table, key, ttlMs),
    increment: async (table, key, ttlMs) =>
      (await store()).increment(table, key, ttlMs),
    count: async (table, key, nowMs, windowMs) =>
      (await store()).count(table, key, nowMs, windowMs),
    remove: async (table, key) => (await store()).remove(table, key),
    list: async (table, limit) => (await store()).list(table, limit),
    healthy: async () => (await store()).healthy(),
    close: async () => {
      const opened = await loading.catch(() => undefined);
      await opened?.close();
    },
  };
}
