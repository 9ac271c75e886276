/**
 * One outcome for a recipient expanded into several targets.
 *
 * DESCRIPTION
 *   The local and virtual agents deliver every target of an alias, list
 *   or `.forward`, then answer for the queue recipient as Postfix's
 *   local(8) does: deferred if any target must be retried (the retry
 *   delivers every target again — at least once), else bounced if any
 *   failed for good, else sent. The targets' own results travel along,
 *   so each gets its own maillog line (`to=<member>, orig_to=<alias>`).
 *   A sent result carries the success notice's action (success_action.ts).
 *
 *   Used by `local.ts` and `virtual.ts`. Pure.
 */
import {
  DeliveryError,
  type DeliveryResult,
  type TargetResult,
} from "./types.ts";
import { successAction } from "./success_action.ts";

/** A target delivered: `reason` is its maillog text. */
export function targetSent(
  recipient: string,
  relay: string,
  reason: string,
): TargetResult {
  return { recipient, outcome: "sent", dsn: "2.0.0", reason, relay };
}

/**
 * A target that failed with `error`.
 * @throws `error` itself when it is no DeliveryError (a bug)
 */
export function targetFailed(
  recipient: string,
  relay: string,
  error: unknown,
): TargetResult {
  if (!(error instanceof DeliveryError)) throw error;
  return {
    recipient,
    outcome: error.temporary ? "deferred" : "bounced",
    dsn: error.dsn,
    reason: error.message,
    relay,
  };
}

/**
 * The outcome of `recipient` from its targets' (see the module comment).
 * The targets are left out when the only one is the recipient itself
 * (nothing was expanded).
 * @param forwards how many targets are addresses forwarded on
 */
export function combineTargets(
  recipient: string,
  targets: readonly TargetResult[],
  relay: string,
  forwards = 0,
): DeliveryResult {
  const failure = targets.find((t) => t.outcome === "deferred") ??
    targets.find((t) => t.outcome === "bounced");
  const expanded = targets.length !== 1 ||
    targets[0].recipient.toLowerCase() !== recipient.toLowerCase();
  const result: DeliveryResult = failure
    ? {
      outcome: failure.outcome,
      dsn: failure.dsn,
      reason: failure.reason,
      relay,
    }
    : {
      outcome: "sent",
      dsn: "2.0.0",
      reason: targets.map((t) => t.reason).join("; "),
      relay,
      dsnAction: successAction(targets.length, forwards),
    };
  return expanded ? { ...result, targets } : result;
}
