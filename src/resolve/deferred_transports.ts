/**
 * defer_transports: transports that hold their mail until a flush.
 *
 * DESCRIPTION
 *   Postfix's queue manager does not deliver mail whose transport is
 *   listed in defer_transports (`defer_transports = smtp` on a dial-up
 *   box): each such recipient is deferred without an attempt, status
 *   4.3.2 "deferred transport", until a flush (`mailsrv flush`,
 *   `sendmail -q`) lifts the restriction for that queue run. Names match
 *   exactly, as in Postfix.
 *
 *   Used by the queue manager's router. Pure.
 */
import type { Config } from "../config/types.ts";

/** The status and text a deferred transport's recipients get. */
export const DEFERRED_TRANSPORT = {
  dsn: "4.3.2",
  text: "deferred transport",
} as const;

/** True when mail for `transport` waits for a flush. */
export function isDeferredTransport(
  transport: string,
  config: Pick<Config, "defer_transports">,
): boolean {
  return config.defer_transports.includes(transport);
}
