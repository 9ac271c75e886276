/**
 * mbox locking: a dotlock plus a kernel lock, as Postfix's
 * `mailbox_delivery_lock = fcntl, dotlock` on Linux.
 *
 * DESCRIPTION
 *   Mail readers and writers of a shared mbox file agree on two locks, and
 *   mailsrv takes both, in this order:
 *
 *   1. the dotlock `<mbox>.lock` (`dotlock.ts`, with its staleness rule);
 *   2. an exclusive flock(2) on the open mbox file (`Deno.FsFile.tryLock`;
 *      Deno has no fcntl locks, and on Linux the two kinds do not see each
 *      other, so the dotlock is the lock that matters to other programs).
 *
 *   Each lock is tried up to `attempts` times, `delay` apart with jitter
 *   so competing lockers do not retry in step. The delivery agents wait
 *   (deliver_lock_attempts 20, deliver_lock_delay 1 s); a POP3 login does
 *   not (`attempts: 1`: vm-pop3d answers "-ERR [IN-USE]" at once). If the
 *   kernel lock cannot be had, the dotlock is released before giving up.
 *
 *   The waiting and the clock are injectable so tests need no real time.
 *
 *   Used by the mbox delivery agent and the POP3 mbox maildrop. Needs
 *   write access to the mailbox's directory.
 *
 *   Does NOT write mailboxes, and does not map failures to protocol
 *   replies: callers turn `MboxLockError` into a deferral or `[IN-USE]`.
 */
import {
  DotlockBusyError,
  type DotlockOptions,
  type HeldDotlock,
  takeDotlock,
} from "./dotlock.ts";

/**
 * The lock methods taken on every mbox, in Postfix's names
 * (`postconf -l`); fcntl is not among them: Deno has no fcntl locks.
 */
export const MBOX_LOCK_METHODS: readonly string[] = Object.freeze([
  "flock",
  "dotlock",
]);

/** How hard to try for the mailbox locks. */
export interface MboxLockOptions extends DotlockOptions {
  /** Tries per lock (default 1: do not wait). */
  readonly attempts?: number;
  /** Milliseconds between tries (default 1000, deliver_lock_delay). */
  readonly delay?: number;
  /** Waits `ms` milliseconds between tries. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An mbox locked with both locks. */
export interface MboxLock {
  readonly dotlock: HeldDotlock;
  /** Drops the flock and the dotlock (once). */
  release(): Promise<void>;
}

/** A lock could not be had: `busy` when another process holds it. */
export class MboxLockError extends Error {
  /** True when another process holds the lock (not an OS failure). */
  readonly busy: boolean;
  constructor(message: string, busy: boolean) {
    super(message);
    this.name = "MboxLockError";
    this.busy = busy;
  }
}

/** An OS error's text without Deno's "(os error N)" suffix. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

const realSleep = (ms: number) =>
  new Promise<void>((done) => setTimeout(done, ms));

/** Waits between tries, with jitter between half and one and a half delays. */
function pause(options: MboxLockOptions): Promise<void> {
  const delay = options.delay ?? 1000;
  return (options.sleep ?? realSleep)(delay * (0.5 + Math.random()));
}

/** Takes the dotlock of `path`, waiting for a live holder to finish. */
async function waitForDotlock(
  path: string,
  options: MboxLockOptions,
): Promise<HeldDotlock> {
  const attempts = options.attempts ?? 1;
  for (let attempt = 1;; attempt++) {
    const lockPath = `${path}.lock`;
    try {
      return await takeDotlock(lockPath, options);
    } catch (error) {
      if (!(error instanceof DotlockBusyError)) {
        const why = `cannot create "${lockPath}": ${reasonOf(error)}`;
        throw new MboxLockError(why, false);
      }
      if (attempt >= attempts) throw new MboxLockError(error.message, true);
    }
    await pause(options);
  }
}

/** Takes an exclusive flock on `file`, waiting for a holder to finish. */
async function waitForKernelLock(
  file: Deno.FsFile,
  options: MboxLockOptions,
): Promise<void> {
  const attempts = options.attempts ?? 1;
  for (let attempt = 1;; attempt++) {
    let locked: boolean;
    try {
      locked = await file.tryLock(true);
    } catch (error) {
      throw new MboxLockError(reasonOf(error), false);
    }
    if (locked) return;
    if (attempt >= attempts) {
      const why = "the file is locked by another process";
      throw new MboxLockError(why, true);
    }
    await pause(options);
  }
}

/**
 * Locks the mbox at `path`: dotlock, then flock on `file`.
 * @param path the mbox file's path (the dotlock is `path + ".lock"`)
 * @param file the open mbox (any mode)
 * @throws MboxLockError, `busy` when another process still holds a lock
 *   after every try
 */
export async function lockMbox(
  path: string,
  file: Deno.FsFile,
  options: MboxLockOptions = {},
): Promise<MboxLock> {
  const dotlock = await waitForDotlock(path, options);
  let locked = false;
  try {
    await waitForKernelLock(file, options);
    locked = true;
  } finally {
    if (!locked) await dotlock.release();
  }
  let released = false;
  return {
    dotlock,
    async release() {
      if (released) return;
      released = true;
      try {
        await file.unlock().catch(() => {
          // Closing the file releases the flock anyway.
        });
      } finally {
        await dotlock.release();
      }
    },
  };
}
