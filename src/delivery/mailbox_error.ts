/**
 * Maps file system failures of mailbox writers to delivery outcomes.
 *
 * DESCRIPTION
 *   Used by the Maildir and mbox writers so both classify errors alike.
 *   The choice follows RFC 3463 and leans towards retrying, because a
 *   deferred message can still be delivered once the cause is fixed:
 *
 *     ENOSPC              4.3.1  mail system full (X.3.1)
 *     EDQUOT, EFBIG       4.2.2  mailbox full (X.2.2, "persistent
 *                                transient": the user can make room)
 *     ENOTDIR, EISDIR,    5.2.0  the mailbox path has the wrong type (a file
 *     ELOOP                      where a Maildir belongs, a directory or a
 *                                symbolic link where an mbox belongs): it
 *                                will not fix itself, so bounce now rather
 *                                than after maximal_queue_lifetime, as
 *                                Postfix's local(8) bounces such mailboxes
 *     anything else       4.2.0  mailbox temporarily unavailable (EIO,
 *                                EACCES, ENOENT of a parent, locks, …)
 *
 *   A write refused by mailbox_size_limit or virtual_mailbox_limit
 *   (`mailbox_limit.ts`) is bounced with 5.2.2, as Postfix bounces the
 *   EFBIG its own file size limit causes.
 *
 *   Postfix (mbox_dsn) uses 4.3.0 for ENOSPC and 5.2.2 for EDQUOT; RFC 3463
 *   names X.3.1 for a full file system and calls X.2.2 persistent
 *   transient, so mailsrv defers both.
 */
import { mailboxFull, MailboxLimitExceeded } from "./mailbox_limit.ts";
import { DeliveryError } from "./types.ts";
import {
  isSandboxDenial,
  sandboxDenialText,
} from "../common/sandbox_denial.ts";

/**
 * The text of an error without Deno's ` (os error N): op 'path'` tail; a
 * call the sandbox refused says so.
 */
export function reasonOf(error: unknown): string {
  if (isSandboxDenial(error)) return sandboxDenialText(error);
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

/** The errno name (`ENOSPC`, …) of a Deno file system error, if any. */
function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Turns a failure of a mailbox operation into a `DeliveryError`.
 * @param error what was thrown; a `DeliveryError` is returned unchanged
 * @param action what failed, e.g. `cannot update mailbox "/var/mail/bob"`
 */
export function mailboxError(error: unknown, action: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof MailboxLimitExceeded) return mailboxFull(action, error);
  const text = `${action}: ${reasonOf(error)}`;
  // A path the role was not granted: the configuration must change.
  if (isSandboxDenial(error)) return new DeliveryError(text, true, "4.3.0");
  switch (errnoOf(error)) {
    case "ENOSPC":
      return new DeliveryError(text, true, "4.3.1");
    case "EDQUOT":
    case "EFBIG":
      return new DeliveryError(text, true, "4.2.2");
    case "ENOTDIR":
    case "EISDIR":
    case "ELOOP":
      return new DeliveryError(text, false, "5.2.0");
    default:
      return new DeliveryError(text, true, "4.2.0");
  }
}
