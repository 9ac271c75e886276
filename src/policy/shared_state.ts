/**
 * The state smtpd and pop3d share between sessions, processes and
 * restarts: one small interface, one store behind it.
 *
 * DESCRIPTION
 *   Greylisting triplets, pop-before-smtp logins and per-client event
 *   counters (connection, message and AUTH rates) all fit three calls on
 *   named tables of string values that expire:
 *
 *     get(table, key)                     the value, if not expired
 *     put(table, key, value, expiresAt)   set it, with its expiry time
 *     count(table, key, now, windowMs)    add one event now and return
 *                                         the events within the window
 *
 *   The calls are asynchronous so that a network store (Redis, for
 *   several hosts) can take the place of the embedded one without
 *   changing a caller. Expired rows are removed by the store, so it
 *   stays bounded.
 *
 *   The embedded store is SQLite (`node:sqlite`, `sqlite_state.ts`).
 *
 *   Used by the greylist (`greylist.ts`), the client rate limits
 *   (`client_rates.ts`) and the daemon that opens the store. Types only.
 */

/** Shared, persistent, expiring state. */
export interface SharedState {
  /** The value of `key` in `table`, or undefined when absent or expired. */
  get(table: string, key: string): Promise<string | undefined>;
  /** Stores `value`, kept until `expiresAtMs` (milliseconds since the epoch). */
  put(
    table: string,
    key: string,
    value: string,
    expiresAtMs: number,
  ): Promise<void>;
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
  /** Releases the store. */
  close(): void;
}
