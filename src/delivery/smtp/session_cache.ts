/**
 * Open SMTP sessions kept for the next message to the same nexthop
 * (Postfix's scache with smtp_connection_cache_on_demand).
 *
 * DESCRIPTION
 *   After a transaction, the SMTP agent hands its session here instead of
 *   saying QUIT. The next message to the same nexthop within
 *   smtp_connection_cache_time_limit (2 s) takes it and sends at once: no
 *   TCP, TLS or AUTH handshake, which matters most for a smarthost that
 *   takes every message of a burst. A session is not reused once it has
 *   been open for smtp_connection_reuse_time_limit (300 s), nor when it
 *   is no longer usable; an idle one is closed with QUIT when its time is
 *   up. One session per nexthop waits here at most; a second is closed.
 *
 *   Timers do not keep the thread alive. Used by the SMTP agent.
 */
import type { ClientSession } from "./client_session.ts";

/** A session waiting for its next message. */
export interface CachedSession {
  readonly session: ClientSession;
  /** "host[address]:port", for the log. */
  readonly peer: string;
  /** When the connection was opened, ms since the epoch. */
  readonly openedAt: number;
}

/** The cache the agent keeps. */
export interface SessionCache {
  /** An idle session for `nexthop`, taken out of the cache. */
  take(nexthop: string): CachedSession | undefined;
  /**
   * Keeps a session for the next message, or closes it.
   * @param idleMs smtp_connection_cache_time_limit
   * @param maxAgeMs smtp_connection_reuse_time_limit
   */
  keep(
    nexthop: string,
    entry: CachedSession,
    idleMs: number,
    maxAgeMs: number,
  ): Promise<void>;
}

/** Creates an empty cache. */
export function createSessionCache(
  now: () => number = Date.now,
): SessionCache {
  const idle = new Map<
    string,
    { entry: CachedSession; timer: ReturnType<typeof setTimeout> }
  >();
  return {
    take(nexthop) {
      const held = idle.get(nexthop);
      if (!held) return undefined;
      idle.delete(nexthop);
      clearTimeout(held.timer);
      return held.entry.session.usable ? held.entry : undefined;
    },
    async keep(nexthop, entry, idleMs, maxAgeMs) {
      const tooOld = now() - entry.openedAt >= maxAgeMs;
      if (
        idleMs <= 0 || tooOld || !entry.session.usable || idle.has(nexthop)
      ) {
        await entry.session.quit();
        return;
      }
      const timer = setTimeout(() => {
        if (idle.get(nexthop)?.entry === entry) idle.delete(nexthop);
        entry.session.quit();
      }, idleMs);
      // A number at run time; the node typings call it Timeout.
      Deno.unrefTimer(Number(timer));
      idle.set(nexthop, { entry, timer });
    },
  };
}
