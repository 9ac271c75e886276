/**
 * Session locks for POP3 maildrops: the dotlock, and flock for mbox.
 *
 * DESCRIPTION
 *   A POP3 session holds its maildrop locked from login to QUIT (RFC 1939
 *   §8: the server should lock the maildrop). For an mbox the lock is the
 *   one vm-pop3d 1.1.7 (`extra.c`, pop3_lock), Postfix and mailsrv's own
 *   delivery agent agree on, taken by `src/fs/mbox_lock.ts` with the
 *   staleness rule of `src/fs/dotlock.ts` that delivery shares. If another
 *   holder has it, the maildrop is busy: vm-pop3d answers "-ERR [IN-USE]"
 *   at once, without waiting, and so does mailsrv (`MaildropBusyError`).
 *
 *   A session's dotlock is touched every `refreshEvery` (1 minute), so the
 *   age rule (500 s) that delivery and Postfix apply to locks they cannot
 *   tie to a live process never breaks it, however long the session.
 *
 *   A Maildir needs no lock against deliveries; one POP3 session at a time
 *   is enforced with the same dotlock on `<maildir>/.mailsrv-pop3.lock`.
 *
 *   Used by the POP3 role. Needs read and write access to the mailbox's
 *   directory (and read access to /proc).
 */
import {
  DotlockBusyError,
  type DotlockOptions,
  type HeldDotlock,
  takeDotlock,
} from "../fs/dotlock.ts";
import { lockMbox, type MboxLock, MboxLockError } from "../fs/mbox_lock.ts";
import { MaildropBusyError } from "./types.ts";

export type { DotlockOptions, HeldDotlock };

/** How often a session's dotlock is touched. */
const REFRESH_EVERY = 60_000;

/**
 * Takes the dotlock `lockPath` for a POP3 session, without waiting.
 * @throws MaildropBusyError when another live holder has it
 */
export async function takeSessionDotlock(
  lockPath: string,
  options: DotlockOptions = {},
): Promise<HeldDotlock> {
  try {
    return await takeDotlock(lockPath, {
      refreshEvery: REFRESH_EVERY,
      ...options,
    });
  } catch (error) {
    if (!(error instanceof DotlockBusyError)) throw error;
    throw new MaildropBusyError(`Maildrop is locked by "${lockPath}"`);
  }
}

/**
 * Locks the mbox at `path` for a session: dotlock, then flock on `file`.
 * @param file the open mbox (any mode)
 * @throws MaildropBusyError when another session or a delivery holds it
 */
export async function lockSessionMbox(
  path: string,
  file: Deno.FsFile,
  options: DotlockOptions = {},
): Promise<MboxLock> {
  try {
    return await lockMbox(path, file, {
      refreshEvery: REFRESH_EVERY,
      ...options,
      attempts: 1,
    });
  } catch (error) {
    if (!(error instanceof MboxLockError)) throw error;
    if (error.busy) {
      throw new MaildropBusyError(
        `Maildrop "${path}" is busy: ${error.message}`,
      );
    }
    throw new Error(`Cannot lock maildrop "${path}": ${error.message}`);
  }
}
