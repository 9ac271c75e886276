/**
 * Session locks for POP3 maildrops: the dotlock, and flock for mbox.
 *
 * DESCRIPTION
 *   A POP3 session holds its maildrop locked from login to QUIT (RFC 1939
 *   §8: the server should lock the maildrop). For an mbox the lock is the
 *   one vm-pop3d 1.1.7 (`extra.c`, pop3_lock), Postfix
 *   (`virtual_mailbox_lock = dotlock`, fcntl or flock) and mailsrv's own
 *   delivery agent (`src/delivery/lock.ts`) agree on:
 *
 *   1. `<mbox>.lock`, created with O_EXCL (vm-pop3d writes nothing into it;
 *      mailsrv writes its pid). If it exists, the maildrop is busy:
 *      vm-pop3d answers "-ERR [IN-USE]" at once, without waiting, and so
 *      does mailsrv (`MaildropBusyError`);
 *   2. a kernel lock on the open mbox held for the session: vm-pop3d takes
 *      an fcntl read lock, mailsrv an exclusive flock (what its delivery
 *      agent takes; Deno has no fcntl locks). On Linux the two kinds do
 *      not see each other, so the dotlock is the lock that matters.
 *
 *   A leftover dotlock is broken when it is stale: it names a pid that no
 *   longer runs (`/proc/<pid>` is gone), or it names none (or liveness
 *   cannot be told) and has not changed for `staleAfter` (10 minutes).
 *   It is removed only if it is still the same file, then creation is
 *   tried once more. A dotlock held by a live mailsrv session is touched
 *   every `refreshEvery` (1 minute): Postfix and mailsrv's delivery agent
 *   break dotlocks by age (500 s), which would otherwise happen under a
 *   long POP3 session.
 *
 *   A Maildir needs no lock against deliveries; one POP3 session at a time
 *   is enforced with the same dotlock code on `<maildir>/.mailsrv-pop3.lock`.
 *   Locks held by this process are also remembered in memory, so a second
 *   session in the same process is refused without touching the disk.
 *
 *   Used by the POP3 role. Needs read and write access to the mailbox's
 *   directory (and read access to /proc).
 */
import { MaildropBusyError } from "./types.ts";

/** How dotlocks are judged and kept. */
export interface DotlockOptions {
  /** Age (ms since the last change) after which a pid-less lock is stale. */
  readonly staleAfter?: number;
  /** How often a held lock is touched, ms (0: never). */
  readonly refreshEvery?: number;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
  /** Whether a process runs: true, false, or undefined when unknown. */
  readonly processAlive?: (pid: number) => Promise<boolean | undefined>;
  /** Runs `refresh` every `ms`; returns a canceller (default: an unref'd timer). */
  readonly schedule?: (refresh: () => Promise<void>, ms: number) => () => void;
}

/** A dotlock this process holds. */
export interface HeldDotlock {
  /** The lock file's path. */
  readonly path: string;
  /** True while the lock file is still the one this process created. */
  stillHeld(): Promise<boolean>;
  /** Removes the lock file (once; later calls do nothing). */
  release(): Promise<void>;
}

/** An mbox locked for a POP3 session (dotlock plus flock). */
export interface MboxSessionLock {
  readonly dotlock: HeldDotlock;
  /** Drops the flock and the dotlock (once). */
  release(): Promise<void>;
}

const heldHere = new Set<string>();

/** Whether `pid` runs, from /proc; undefined where /proc is not mounted. */
export async function procProcessAlive(
  pid: number,
): Promise<boolean | undefined> {
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return undefined;
  }
  try {
    await Deno.stat("/proc/self");
    return false;
  } catch {
    return undefined;
  }
}

function busy(lockPath: string): MaildropBusyError {
  return new MaildropBusyError(`Maildrop is locked by "${lockPath}"`);
}

/** Creates the lock file exclusively; false if it exists. */
async function createLock(lockPath: string): Promise<Deno.FileInfo | false> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, {
      write: true,
      createNew: true,
      mode: 0o600,
    });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
  try {
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return await file.stat();
  } finally {
    file.close();
  }
}

/** The pid written in a lock file, if any. */
async function lockOwner(lockPath: string): Promise<number | undefined> {
  const file = await Deno.open(lockPath, { read: true });
  try {
    const buffer = new Uint8Array(32);
    const count = await file.read(buffer) ?? 0;
    const text = new TextDecoder().decode(buffer.subarray(0, count));
    const match = /^\s*(\d{1,10})\s*$/.exec(text);
    return match ? Number(match[1]) : undefined;
  } finally {
    file.close();
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev &&
    a.ctime?.getTime() === b.ctime?.getTime();
}

/** Removes `lockPath` if it is stale; true if it was removed (or gone). */
async function breakIfStale(
  lockPath: string,
  options: DotlockOptions,
): Promise<boolean> {
  try {
    const before = await Deno.lstat(lockPath);
    const pid = await lockOwner(lockPath);
    const alive = pid === undefined
      ? undefined
      : await (options.processAlive ?? procProcessAlive)(pid);
    if (alive === true) return false;
    if (alive === undefined) {
      const changed = (before.ctime ?? before.mtime)?.getTime() ?? Infinity;
      const now = (options.clock ?? Date.now)();
      if (now - changed <= (options.staleAfter ?? 600_000)) return false;
    }
    // Only the file judged stale may go, not one created meanwhile.
    if (!sameFile(before, await Deno.lstat(lockPath))) return false;
    await Deno.remove(lockPath);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/**
 * Takes the dotlock `lockPath` for a POP3 session.
 * @throws MaildropBusyError when another live holder has it
 */
export async function takeDotlock(
  lockPath: string,
  options: DotlockOptions = {},
): Promise<HeldDotlock> {
  if (heldHere.has(lockPath)) throw busy(lockPath);
  heldHere.add(lockPath);
  let created: Deno.FileInfo | false;
  try {
    created = await createLock(lockPath);
    if (created === false && await breakIfStale(lockPath, options)) {
      created = await createLock(lockPath);
    }
  } catch (error) {
    heldHere.delete(lockPath);
    throw error;
  }
  if (created === false) {
    heldHere.delete(lockPath);
    throw busy(lockPath);
  }
  return heldDotlock(lockPath, created, options);
}

/** setInterval that does not keep the process alive. */
function everyUnref(refresh: () => Promise<void>, ms: number): () => void {
  const timer = setInterval(refresh, ms);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

function heldDotlock(
  lockPath: string,
  created: Deno.FileInfo,
  options: DotlockOptions,
): HeldDotlock {
  const clock = options.clock ?? Date.now;
  const every = options.refreshEvery ?? 60_000;
  let released = false;
  const refresh = async () => {
    const now = new Date(clock());
    await Deno.utime(lockPath, now, now).catch(() => {
      // A lock that vanished is noticed by stillHeld() at commit.
    });
  };
  const cancel = every > 0
    ? (options.schedule ?? everyUnref)(refresh, every)
    : () => {};
  /** The lock file is still the one created here. */
  // Inode numbers are reused at once, so the pid inside is checked too.
  const isOurs = async (): Promise<boolean> => {
    try {
      const now = await Deno.lstat(lockPath);
      return now.ino === created.ino && now.dev === created.dev &&
        await lockOwner(lockPath) === Deno.pid;
    } catch {
      return false;
    }
  };
  return {
    path: lockPath,
    stillHeld: async () => !released && await isOurs(),
    async release() {
      if (released) return;
      released = true;
      cancel();
      heldHere.delete(lockPath);
      // A lock broken and retaken by someone else is theirs to remove.
      if (await isOurs()) await Deno.remove(lockPath);
    },
  };
}

/**
 * Locks the mbox at `path` for a session: dotlock, then flock on `file`.
 * @param file the open mbox (any mode)
 * @throws MaildropBusyError when another session or a delivery holds it
 */
export async function lockMbox(
  path: string,
  file: Deno.FsFile,
  options: DotlockOptions = {},
): Promise<MboxSessionLock> {
  const dotlock = await takeDotlock(`${path}.lock`, options);
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } finally {
    if (!locked) await dotlock.release();
  }
  if (!locked) {
    throw new MaildropBusyError(`Maildrop "${path}" is locked by a delivery`);
  }
  let released = false;
  return {
    dotlock,
    async release() {
      if (released) return;
      released = true;
      try {
        await file.unlock();
      } finally {
        await dotlock.release();
      }
    },
  };
}
