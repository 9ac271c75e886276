/**
 * mbox locking for the delivery agents: wait for the locks, or defer.
 *
 * DESCRIPTION
 *   `withMailboxLock(path, file, fn)` runs `fn` while holding the mbox's
 *   dotlock and flock (`src/fs/mbox_lock.ts`, the protocol POP3 shares).
 *   Each lock is tried up to `attempts` times (deliver_lock_attempts, 20),
 *   `delay` apart (deliver_lock_delay, 1 s). Failing to get either lock is
 *   a temporary `DeliveryError` 4.2.0 "cannot lock mailbox"; so is a
 *   dotlock that cannot be created for another reason (a spool directory
 *   mailsrv may not write to). Locks are released in reverse order
 *   whatever the outcome.
 *
 *   This module does not write mailboxes; see `mbox.ts`.
 */
import {
  lockMbox,
  MboxLockError,
  type MboxLockOptions,
} from "../../fs/mbox_lock.ts";
import { DeliveryError } from "../types.ts";

export type { MboxLockOptions };

/** Postfix's deliver_lock_attempts. */
const DELIVER_LOCK_ATTEMPTS = 20;

/**
 * Runs `fn` while holding both locks on the mbox at `path`.
 * @param path the mbox file's path (the dotlock is `path + ".lock"`)
 * @param file the mbox file, open for writing
 * @throws DeliveryError 4.2.0 when a lock cannot be had; whatever `fn` throws
 */
export async function withMailboxLock<T>(
  path: string,
  file: Deno.FsFile,
  fn: () => Promise<T>,
  options: MboxLockOptions = {},
): Promise<T> {
  let lock;
  try {
    lock = await lockMbox(path, file, {
      attempts: DELIVER_LOCK_ATTEMPTS,
      ...options,
    });
  } catch (error) {
    if (!(error instanceof MboxLockError)) throw error;
    throw new DeliveryError(
      `cannot lock mailbox "${path}": ${error.message}`,
      true,
      "4.2.0",
    );
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
