/**
 * Mailbox size limits: mailbox_size_limit and virtual_mailbox_limit.
 *
 * DESCRIPTION
 *   Postfix's local(8) and virtual(8) set a file size resource limit
 *   (RLIMIT_FSIZE) to the limit, so a write that would make an mbox file,
 *   or one Maildir message file, larger fails with EFBIG; the mail is
 *   bounced with 5.2.2 (mailbox full), as Postfix logs it:
 *
 *     cannot update mailbox /var/mail/bob ... error writing message:
 *     File too large
 *
 *   mailsrv keeps the same outcome without a process-wide resource
 *   limit: a writer refuses before writing when the size it already
 *   knows (the mailbox, the headers it adds, the queued size) is over the
 *   limit, and `copyContent` stops at the limit when quoting makes the
 *   content grow. The writers then undo what was written (mbox truncated
 *   back, Maildir tmp file removed), so no partial message remains.
 *
 *   `mailboxError` (`mailbox_error.ts`) turns `MailboxLimitExceeded`
 *   into the permanent 5.2.2 failure.
 *
 *   Used by the mbox and Maildir writers and their callers. Pure.
 *
 *   Does NOT limit what delivery commands (mailbox_command, |command)
 *   write: they are separate programs.
 */
import { DeliveryError } from "./types.ts";

/** A size limit in force for a mailbox write. */
export interface MailboxLimit {
  /** The parameter that sets it, for the bounce reason. */
  readonly parameter: "mailbox_size_limit" | "virtual_mailbox_limit";
  /** The largest file size allowed, in bytes (more than 0). */
  readonly bytes: number;
}

/**
 * The limit set by `parameter` to `bytes`, or undefined for 0 (no limit).
 */
export function mailboxLimit(
  parameter: MailboxLimit["parameter"],
  bytes: number,
): MailboxLimit | undefined {
  return bytes > 0 ? { parameter, bytes } : undefined;
}

/** Thrown by a writer when the file would grow past its limit. */
export class MailboxLimitExceeded extends Error {
  constructor(readonly limit: MailboxLimit) {
    super(`file size limit exceeded (${limit.parameter} ${limit.bytes})`);
    this.name = "MailboxLimitExceeded";
  }
}

/**
 * Throws `MailboxLimitExceeded` when a file of `size` bytes would be
 * over `limit` (none: no limit).
 */
export function refuseOverLimit(
  limit: MailboxLimit | undefined,
  size: number,
): void {
  if (limit !== undefined && size > limit.bytes) {
    throw new MailboxLimitExceeded(limit);
  }
}

/**
 * The bounce for a write refused by its limit: 5.2.2 in Postfix's words.
 * @param action what failed, e.g. `cannot update mailbox "/var/mail/bob"`
 */
export function mailboxFull(
  action: string,
  error: MailboxLimitExceeded,
): DeliveryError {
  const { parameter, bytes } = error.limit;
  return new DeliveryError(
    `${action}: error writing message: File too large ` +
      `(mailbox full: ${parameter} is ${bytes} bytes)`,
    false,
    "5.2.2",
  );
}
