/**
 * Retry timing of deferred mail: backoff and queue lifetime (pure).
 *
 * DESCRIPTION
 *   After an attempt that defers some recipients, the queue manager moves
 *   the message to deferred/ and sets its mtime to the next retry time,
 *   now plus the message's age, kept between minimal_backoff_time and
 *   maximal_backoff_time (Postfix qmgr_active.c). Retrying after as long
 *   as the message has already waited doubles the interval each time
 *   (300 s, 600 s, 1200 s, …) without keeping any state but the arrival
 *   time. A message that has been queued for maximal_queue_lifetime when
 *   an attempt defers it has expired: its deferred recipients bounce.
 *
 *   Used by the queue manager. Times are milliseconds; configuration
 *   values are seconds, as in Config.
 */
import type { Config } from "../config/types.ts";

/** The configuration the backoff rules read. */
export type BackoffConfig = Pick<
  Config,
  "minimal_backoff_time" | "maximal_backoff_time" | "maximal_queue_lifetime"
>;

/**
 * Milliseconds to wait before the next attempt for a message `ageMs` old.
 * The maximum is applied first, so a minimum above it wins (as Postfix).
 */
export function retryDelay(ageMs: number, config: BackoffConfig): number {
  const capped = Math.min(ageMs, config.maximal_backoff_time * 1000);
  return Math.max(capped, config.minimal_backoff_time * 1000);
}

/** Whether a message `ageMs` old has outlived maximal_queue_lifetime. */
export function isExpired(ageMs: number, config: BackoffConfig): boolean {
  return ageMs >= config.maximal_queue_lifetime * 1000;
}
