/**
 * When to start a failed role again: Postfix's master throttles a service
 * whose processes keep failing, and so does mailsrv's.
 *
 * DESCRIPTION
 *   The first restart after a failure waits FIRST_RESTART_DELAY_MS; each
 *   further failure doubles the wait, up to MAX_RESTART_DELAY_MS. A role
 *   that ran for STABLE_RUN_MS before it failed counts as healthy again:
 *   its next restart waits the first delay. So a role that fails at start
 *   (a broken table, a port taken) is retried every minute at most, not
 *   every second forever, and a rare crash costs one second.
 *
 *   Used by the master for every role thread (the queue manager's, smtpd's,
 *   pop3d's). Pure: the caller tells the times.
 *
 *   Does NOT start anything, nor log.
 */

/** The wait before the first restart after a failure. */
export const FIRST_RESTART_DELAY_MS = 1000;

/** The longest wait between restarts. */
export const MAX_RESTART_DELAY_MS = 60_000;

/** A role that ran this long before it failed was healthy. */
export const STABLE_RUN_MS = 60_000;

/** The waits of one role. */
export interface RestartBackoff {
  /** The role was started at `atMs`. */
  started(atMs: number): void;
  /**
   * The role failed at `atMs`.
   * @returns how long to wait before starting it again, in milliseconds
   */
  failed(atMs: number): number;
}

/** How the waits grow; tests shorten them. */
export interface RestartBackoffOptions {
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly stableMs?: number;
}

/** The backoff of one role, starting with the first delay. */
export function createRestartBackoff(
  options: RestartBackoffOptions = {},
): RestartBackoff {
  const first = options.firstDelayMs ?? FIRST_RESTART_DELAY_MS;
  const max = Math.max(first, options.maxDelayMs ?? MAX_RESTART_DELAY_MS);
  const stable = options.stableMs ?? STABLE_RUN_MS;
  let startedAt: number | undefined;
  let last: number | undefined;
  return {
    started(atMs) {
      startedAt = atMs;
    },
    failed(atMs) {
      const healthy = startedAt !== undefined && atMs - startedAt >= stable;
      last = last === undefined || healthy ? first : Math.min(max, last * 2);
      return last;
    },
  };
}
