/**
 * mbox locking: a dotlock plus a kernel lock, as Postfix's
 * `mailbox_delivery_lock = fcntl, dotlock` on Linux.
 *
 * DESCRIPTION
 *   Mail readers and writers of a shared mbox file agree on two locks, and
 *   mailsrv takes both, in this order:
 *
 *   1. the dotlock `<mbox>.lock`, created exclusively (O_EXCL). A dotlock
 *      whose change time is older than `staleAfter` (Postfix's
 *      stale_lock_time, 500 s) is left over from a crashed program and is
 *      removed;
 *   2. an exclusive flock(2) on the open mbox file (`Deno.FsFile.tryLock`).
 *
 *   Each lock is tried up to `attempts` times (deliver_lock_attempts, 20),
 *   `delay` apart (deliver_lock_delay, 1 s, with jitter so competing
 *   deliveries do not retry in step). Failing to get either lock is a
 *   temporary `DeliveryError` 4.2.0 "cannot lock mailbox"; so is a dotlock
 *   that cannot be created for another reason (a spool directory mailsrv
 *   may not write to). Locks are released in reverse order whatever the
 *   outcome.
 *
 *   The waiting and the clock are injectable so tests need no real time.
 *   This module does not write mailboxes; see `mbox.ts`.
 */
import { maillog } from "../log/maillog.ts";
import { reasonOf } from "./mailbox_error.ts";
import { DeliveryError } from "./types.ts";

/** How hard to try for the mailbox locks. */
export interface MboxLockOptions {
  /** Tries per lock (default 20, Postfix's deliver_lock_attempts). */
  readonly attempts?: number;
  /** Milliseconds between tries (default 1000, deliver_lock_delay). */
  readonly delay?: number;
  /** Dotlock age in ms after which it is broken (default 500 s). */
  readonly staleAfter?: number;
  /** Milliseconds since the epoch, compared with the dotlock's age. */
  readonly clock?: () => number;
  /** Waits `ms` milliseconds between tries. */
  readonly sleep?: (ms: number) => Promise<void>;
}

type LockSettings = Required<MboxLockOptions>;

function settingsOf(options: MboxLockOptions): LockSettings {
  return {
    attempts: options.attempts ?? 20,
    delay: options.delay ?? 1000,
    staleAfter: options.staleAfter ?? 500_000,
    clock: options.clock ?? Date.now,
    sleep: options.sleep ??
      ((ms) => new Promise<void>((done) => setTimeout(done, ms))),
  };
}

function lockError(path: string, why: string): DeliveryError {
  return new DeliveryError(
    `cannot lock mailbox "${path}": ${why}`,
    true,
    "4.2.0",
  );
}

/** Waits between tries, with jitter between half and one and a half delays. */
function pause(settings: LockSettings): Promise<void> {
  return settings.sleep(settings.delay * (0.5 + Math.random()));
}

/** Removes `lockPath` if it is older than allowed; true if removed. */
async function breakStaleLock(
  lockPath: string,
  settings: LockSettings,
): Promise<boolean> {
  try {
    const info = await Deno.lstat(lockPath);
    const changed = (info.ctime ?? info.mtime)?.getTime();
    if (changed === undefined) return false;
    if (settings.clock() - changed <= settings.staleAfter) return false;
    await Deno.remove(lockPath);
    maillog("local").warning(`removed stale lock file "${lockPath}"`);
    return true;
  } catch (error) {
    // Gone meanwhile: its holder finished, so the next try may succeed.
    return error instanceof Deno.errors.NotFound;
  }
}

/** Creates the dotlock for `path`, waiting for a holder to finish. */
async function takeDotlock(
  path: string,
  settings: LockSettings,
): Promise<string> {
  const lockPath = `${path}.lock`;
  for (let attempt = 1;; attempt++) {
    try {
      const file = await Deno.open(lockPath, {
        write: true,
        createNew: true,
        mode: 0o600,
      });
      file.close();
      return lockPath;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw lockError(
          path,
          `cannot create "${lockPath}": ${reasonOf(error)}`,
        );
      }
    }
    if (attempt >= settings.attempts) {
      throw lockError(path, `"${lockPath}" is held by another process`);
    }
    // A broken stale lock is retried at once; a live one is waited for.
    if (!await breakStaleLock(lockPath, settings)) await pause(settings);
  }
}

/** Takes an exclusive flock on `file`, waiting for a holder to finish. */
async function takeKernelLock(
  path: string,
  file: Deno.FsFile,
  settings: LockSettings,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    let locked: boolean;
    try {
      locked = await file.tryLock(true);
    } catch (error) {
      throw lockError(path, reasonOf(error));
    }
    if (locked) return;
    if (attempt >= settings.attempts) {
      throw lockError(path, "the file is locked by another process");
    }
    await pause(settings);
  }
}

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
  const settings = settingsOf(options);
  const lockPath = await takeDotlock(path, settings);
  try {
    await takeKernelLock(path, file, settings);
    try {
      return await fn();
    } finally {
      await file.unlock().catch(() => {
        // Closing the file releases the flock anyway.
      });
    }
  } finally {
    await Deno.remove(lockPath).catch((error) => {
      maillog("local").warning(
        `cannot remove lock file "${lockPath}": ${reasonOf(error)}`,
      );
    });
  }
}
