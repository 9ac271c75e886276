/**
 * The `Action:` a success notice reports for a local or virtual
 * recipient (RFC 3464 section 2.3.3, RFC 3461 section 6.2.7).
 *
 * DESCRIPTION
 *   A recipient delivered to one mailbox, file or command is `delivered`.
 *   One that expanded to several targets (an alias or a list) is
 *   `expanded`: its members get no NOTIFY=SUCCESS of their own. One whose
 *   only target is an address forwarded on is `relayed`: the forwarded
 *   copy carries no DSN request, so nobody will report its delivery.
 *
 *   Used by the local and virtual agents. Pure.
 */
import type { SuccessAction } from "./types.ts";

/**
 * The action for a recipient delivered to `targets` targets, `forwards`
 * of them addresses resubmitted.
 */
export function successAction(
  targets: number,
  forwards: number,
): SuccessAction {
  if (targets > 1) return "expanded";
  return forwards === 1 ? "relayed" : "delivered";
}
