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
 *   Mail from the null sender (notices) expires after
 *   bounce_queue_lifetime instead, as in Postfix. A deferred message at
 *   least delay_warning_time old (when that is not 0) is due a delay
 *   notice, once (dsn_notices.ts).
 *
 *   Used by the queue manager. Times are milliseconds; configuration
 *   values are seconds, as in Config.
 */
import type { Config } from "../config/types.ts";

/** The configuration the backoff rules read. */
export type BackoffConfig =
  & Pick<
    Config,
    "minimal_backoff_time" | "maximal_backoff_time" | "maximal_queue_lifetime"
  >
  & Partial<Pick<Config, "bounce_queue_lifetime">>;

/**
 * Milliseconds to wait before the next attempt for a message `ageMs` old.
 * The maximum is applied first, so a minimum above it wins (as Postfix).
 */
export function retryDelay(ageMs: number, config: BackoffConfig): number {
  const capped = Math.min(ageMs, config.maximal_backoff_time * 1000);
  return Math.max(capped, config.minimal_backoff_time * 1000);
}

/**
 * How long, in seconds, a message from `sender` may stay queued:
 * bounce_queue_lifetime for the null sender (when set), else
 * maximal_queue_lifetime.
 */
export function queueLifetime(sender: string, config: BackoffConfig): number {
  return sender === "" && config.bounce_queue_lifetime !== undefined
    ? config.bounce_queue_lifetime
    : config.maximal_queue_lifetime;
}

/**
 * Whether a message `ageMs` old from `sender` has outlived its queue
 * lifetime (`queueLifetime`; without a sender, maximal_queue_lifetime).
 */
export function isExpired(
  ageMs: number,
  config: BackoffConfig,
  sender?: string,
): boolean {
  return ageMs >= queueLifetime(sender ?? "-", config) * 1000;
}

/** Whether a deferred message `ageMs` old is due its delay notice. */
export function isDelayWarningDue(
  ageMs: number,
  config: Pick<Config, "delay_warning_time">,
): boolean {
  return config.delay_warning_time > 0 &&
    ageMs >= config.delay_warning_time * 1000;
}
