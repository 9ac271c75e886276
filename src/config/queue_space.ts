/**
 * Whether the queue file system has room for another message (Postfix's
 * queue_minfree rule, smtpd_check.c).
 *
 * DESCRIPTION
 *   A new mail transaction is refused with `452 4.3.1 Insufficient system
 *   storage` when the queue file system has less free space than the
 *   larger of queue_minfree and 1.5 × message_size_limit (with
 *   message_size_limit = 0, no limit: queue_minfree alone), or, when the
 *   client declared the message's size (MAIL FROM SIZE=), less than that
 *   size plus queue_minfree. A full queue then turns mail away at MAIL
 *   FROM, before anyone sends a body that could not be stored.
 *
 *   Used by smtpd (MAIL FROM), `mailsrv check` and start (warnings).
 *   Pure.
 */
import type { Config } from "./types.ts";

/** The parameters the rule reads. */
export type QueueSpaceParameters = Pick<
  Config,
  "queue_minfree" | "message_size_limit"
>;

/** Postfix's smtpd_space_multf: room for one and a half largest messages. */
export const SPACE_MULTIPLIER = 1.5;

/** The free bytes the queue needs before it takes a new message. */
export function requiredQueueSpace(parameters: QueueSpaceParameters): number {
  return Math.max(
    parameters.queue_minfree,
    SPACE_MULTIPLIER * parameters.message_size_limit,
  );
}

/**
 * Why `freeBytes` is too little for a new message, or undefined when it
 * is enough (or unknown).
 * @param declaredSize MAIL FROM SIZE=, when given
 */
export function queueSpaceShortfall(
  freeBytes: number | undefined,
  parameters: QueueSpaceParameters,
  declaredSize: number | null = null,
): string | undefined {
  if (freeBytes === undefined) return undefined;
  const required = requiredQueueSpace(parameters);
  if (freeBytes < required) {
    return parameters.queue_minfree >= SPACE_MULTIPLIER *
        parameters.message_size_limit
      ? `not enough free space in mail queue: ${freeBytes} bytes < queue_minfree (${parameters.queue_minfree})`
      : `not enough free space in mail queue: ${freeBytes} bytes < ${SPACE_MULTIPLIER}*message size limit`;
  }
  if (
    declaredSize !== null && freeBytes < declaredSize + parameters.queue_minfree
  ) {
    return `not enough free space in mail queue: ${freeBytes} bytes < ${declaredSize} bytes declared + queue_minfree (${parameters.queue_minfree})`;
  }
  return undefined;
}

/**
 * The warning `mailsrv check` and start print when the queue file system
 * of `queueDirectory` is already below what the rule asks for, or
 * undefined.
 */
export function queueSpaceWarning(
  queueDirectory: string,
  freeBytes: number | undefined,
  parameters: QueueSpaceParameters,
): string | undefined {
  if (queueSpaceShortfall(freeBytes, parameters) === undefined) {
    return undefined;
  }
  return `queue file system of "${queueDirectory}" has ${freeBytes} bytes ` +
    `free, less than the ${requiredQueueSpace(parameters)} bytes that ` +
    `queue_minfree and message_size_limit ask for: every MAIL FROM gets ` +
    `452 4.3.1 Insufficient system storage until space is freed`;
}
