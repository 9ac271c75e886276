/**
 * Failed POP3 logins counted per client address, across sessions.
 *
 * DESCRIPTION
 *   The session pauses after each failed login and closes after
 *   `pop3_max_failed_logins`; a client that simply reconnects would start
 *   afresh. This table remembers recent failures per address, so the
 *   pause doubles with every further failure from the same client (up to
 *   MAX_FACTOR times `pop3_failed_login_delay`). A success, or
 *   FORGET_AFTER_MS without failures, clears the address. The table holds
 *   at most MAX_CLIENTS addresses (the oldest are dropped), so a flood of
 *   addresses costs bounded memory.
 */

/** Failures are forgotten this long after the last one. */
export const FORGET_AFTER_MS = 15 * 60 * 1000;
/** The longest pause, as a multiple of the configured delay. */
export const MAX_FACTOR = 16;
const MAX_CLIENTS = 10_000;

/** Recent failures per client. */
export interface FailedLogins {
  /** Records a failure; returns the factor for its pause (1, 2, 4, …). */
  failed(address: string): number;
  /** A successful login clears the address. */
  succeeded(address: string): void;
}

/** Creates a table (one per process; tests pass a clock). */
export function createFailedLogins(
  now: () => number = Date.now,
): FailedLogins {
  const clients = new Map<string, { count: number; last: number }>();
  return {
    failed(address) {
      const t = now();
      const entry = clients.get(address);
      const count = entry && t - entry.last < FORGET_AFTER_MS
        ? entry.count + 1
        : 1;
      // Re-inserting keeps the Map in order of last failure.
      clients.delete(address);
      clients.set(address, { count, last: t });
      if (clients.size > MAX_CLIENTS) {
        clients.delete(clients.keys().next().value!);
      }
      return Math.min(2 ** (count - 1), MAX_FACTOR);
    },
    succeeded(address) {
      clients.delete(address);
    },
  };
}

/** The process-wide table used by the POP3 listeners. */
export const failedLogins: FailedLogins = createFailedLogins();
