/**
 * The state smtpd and pop3d share between sessions, processes, restarts
 * and hosts: one small interface, two stores behind it.
 *
 * DESCRIPTION
 *   Greylisting triplets and whitelists, pop-before-smtp logins and
 *   per-client event counters (connection, message and AUTH rates) all
 *   fit a few calls on named tables of string values with a time to live:
 *
 *     get(table, key)                      the value, if not expired
 *     put(table, key, value, ttlMs)        set it, living ttlMs from now
 *     putIfAbsent(table, key, value, ttl)  set it unless a live value is
 *                                          there; the value that was there
 *     touch(table, key, ttlMs)             a live value lives ttlMs more
 *     increment(table, key, ttlMs)         add one to a decimal value (0
 *                                          when absent); the new value
 *     count(table, key, now, windowMs)     add one event now and return
 *                                          the events within the window
 *     remove(table, key), list(table)      for `mailsrv state`
 *
 *   Every call is one atomic step in the store, so several hosts sharing
 *   one store never lose an update between a read and a write (Redis:
 *   SET NX GET, MULTI; SQLite: one immediate transaction). Entries
 *   expire by their time to live; nobody sweeps.
 *
 *   The embedded store is SQLite (`sqlite_state.ts`, the default, one
 *   host); the network store is Redis (`redis_state.ts`, several hosts).
 *   A store that cannot be reached throws `SharedStateUnavailable`; each
 *   caller turns that into its configured default, and the store logs
 *   the outage once.
 *
 *   Used by the greylist (`greylist.ts`), pop-before-smtp
 *   (`pop_before_smtp.ts`), the client rate limits (`client_rates.ts`),
 *   `mailsrv state`, and the daemon that opens the store.
 */

/** One live entry, as `list` gives it. */
export interface SharedEntry {
  readonly key: string;
  readonly value: string;
  /** Milliseconds left to live. */
  readonly ttlMs: number;
}

/** Shared, persistent, expiring state. */
export interface SharedState {
  /** What the store is, for logs and `mailsrv status` (no password). */
  readonly description: string;
  /** The value of `key` in `table`, or undefined when absent or expired. */
  get(table: string, key: string): Promise<string | undefined>;
  /** Stores `value`, kept for `ttlMs` from now. */
  put(table: string, key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Stores `value` for `ttlMs` unless `key` has a live value.
   * @returns the live value that was there (and is kept), or undefined
   *   when `value` was stored
   */
  putIfAbsent(
    table: string,
    key: string,
    value: string,
    ttlMs: number,
  ): Promise<string | undefined>;
  /** Lets a live `key` live `ttlMs` from now; nothing when absent. */
  touch(table: string, key: string, ttlMs: number): Promise<void>;
  /** Adds one to the decimal value of `key` (absent: 0); lives `ttlMs`. */
  increment(table: string, key: string, ttlMs: number): Promise<number>;
  /**
   * Records one event for `key` at `nowMs` and returns how many events
   * of `key` fall within the last `windowMs`, this one included.
   */
  count(
    table: string,
    key: string,
    nowMs: number,
    windowMs: number,
  ): Promise<number>;
  /** Removes `key`; whether it was there. */
  remove(table: string, key: string): Promise<boolean>;
  /** Up to `limit` live entries of `table` (not the counters of `count`). */
  list(table: string, limit: number): Promise<SharedEntry[]>;
  /** Whether the store answers now (a round trip for a network store). */
  healthy(): Promise<boolean>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** The store cannot be reached; callers answer their configured default. */
export class SharedStateUnavailable extends Error {
  constructor(description: string, cause: unknown) {
    super(
      `shared state ${description} is unavailable: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    this.name = "SharedStateUnavailable";
  }
}
