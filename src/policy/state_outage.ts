/**
 * One log line when a shared-state store goes away, one when it is back.
 *
 * DESCRIPTION
 *   A store outage touches every session (greylist, pop-before-smtp,
 *   rate limits); logging each failed call would flood the maillog.
 *   `createOutageWatch` is told of every failure and every success (by
 *   the store's calls and its connection events) and logs only the
 *   changes: a warning with the first error and what the restrictions do
 *   meanwhile, and an info line with how long the outage lasted.
 *
 *   Used by the Redis store (`redis_state.ts`). No I/O but the log.
 */
import type { Maillog } from "../log/maillog.ts";

/** What the daemon does while the store is away (said once per outage). */
export const OUTAGE_DEFAULTS = "check_greylist answers " +
  "smtpd_greylist_default_action, pop-before-smtp permits nobody, " +
  "client rate limits are not applied";

/** Follows one store's availability. */
export interface OutageWatch {
  /** A call or the connection failed. */
  failed(cause: unknown): void;
  /** A call succeeded or the connection is ready. */
  succeeded(): void;
  /** Whether the store is in an outage now. */
  readonly down: boolean;
}

/**
 * Creates a watch for the store `description`.
 * @param now clock in milliseconds (tests inject one)
 */
export function createOutageWatch(
  description: string,
  log: Maillog,
  now: () => number = Date.now,
): OutageWatch {
  let since: number | undefined;
  return {
    failed(cause) {
      if (since !== undefined) return;
      since = now();
      const why = cause instanceof Error ? cause.message : String(cause);
      log.warning(
        `shared state ${description} unavailable: ${why || "no answer"}; ` +
          `until it is back, ${OUTAGE_DEFAULTS}`,
      );
    },
    succeeded() {
      if (since === undefined) return;
      const seconds = Math.round((now() - since) / 1000);
      since = undefined;
      log.info(
        `shared state ${description} available again after ${seconds}s`,
      );
    },
    get down() {
      return since !== undefined;
    },
  };
}
