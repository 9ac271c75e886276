/**
 * Dotlocks: `<file>.lock` created exclusively, with one staleness rule.
 *
 * DESCRIPTION
 *   The dotlock is the lock every mail program on a Unix box agrees on
 *   (Postfix `dot_lockfile.c`, procmail, mutt, vm-pop3d `extra.c`). It is
 *   created with O_EXCL and holds the creator's pid, as liblockfile
 *   writes it, and on a second line the host's name: on a mailbox
 *   directory several hosts mount, a pid means nothing to another host. Both mailsrv roles that touch an mbox use this module: the
 *   delivery agents (briefly, while appending) and POP3 (for a whole
 *   session), so they judge a leftover lock by the same rule:
 *
 *   - a lock naming a pid of this host (or no host) that no longer runs
 *     (`/proc/<pid>` is gone) is stale at once;
 *   - a lock naming another live process is never stale;
 *   - a lock naming no pid, naming another host, naming this very
 *     process (another thread of it may hold it, or may have died holding
 *     it: a thread's liveness cannot be told), or whose liveness cannot
 *     be told is stale once it
 *     has not changed for `staleAfter` (Postfix's stale_lock_time, 500 s).
 *
 *   A lock held for long is touched every `refreshEvery`, so the age rule
 *   never breaks a live POP3 session's lock. A stale lock is removed only
 *   if it is still the same file, then creation is tried once more.
 *
 *   Locks held by this thread are remembered in memory, so a second
 *   holder in the same thread is refused without touching the disk.
 *
 *   Used by the delivery agents (`mbox_lock.ts`) and the POP3 maildrops.
 *   Needs write access to the lock's directory and read access to /proc.
 *
 *   Does NOT wait: one try (plus one after breaking a stale lock). Waiting
 *   and retrying belong to the caller (`mbox_lock.ts`).
 */

/** Postfix's stale_lock_time: 500 s. */
export const STALE_LOCK_TIME = 500_000;

/** How dotlocks are judged and kept. */
export interface DotlockOptions {
  /** Age (ms since the last change) after which an unowned lock is stale. */
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

/** The dotlock exists and is not stale: someone else holds it. */
export class DotlockBusyError extends Error {
  /** The lock file's path. */
  readonly lockPath: string;
  constructor(lockPath: string) {
    super(`"${lockPath}" is held by another process`);
    this.name = "DotlockBusyError";
    this.lockPath = lockPath;
  }
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

/** Creates the lock file exclusively, holding our pid; false if it exists. */
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
    await file.write(
      new TextEncoder().encode(`${Deno.pid}\n${thisHost()}\n`),
    );
    return await file.stat();
  } finally {
    file.close();
  }
}

let hostName: string | undefined;
/** This host's name, written under the pid (locks on shared storage). */
function thisHost(): string {
  try {
    hostName ??= Deno.hostname();
  } catch {
    hostName = "localhost";
  }
  return hostName;
}

/**
 * The pid written in a lock file, if it is a pid of this host: a lock
 * another host made (its name on the second line) has an owner /proc
 * cannot tell about, so only the age rule applies to it.
 */
async function lockOwner(lockPath: string): Promise<number | undefined> {
  const file = await Deno.open(lockPath, { read: true });
  try {
    const buffer = new Uint8Array(320);
    const count = await file.read(buffer) ?? 0;
    const text = new TextDecoder().decode(buffer.subarray(0, count));
    const match = /^\s*(\d{1,10})\s*(?:\n([^\s]+)\s*)?$/.exec(text);
    if (!match) return undefined;
    if (match[2] !== undefined && match[2] !== thisHost()) return undefined;
    return Number(match[1]);
  } finally {
    file.close();
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.ino === b.ino && a.dev === b.dev &&
    a.ctime?.getTime() === b.ctime?.getTime();
}

/** The last change of a lock file: a refresh moves mtime (and ctime). */
function lastChange(info: Deno.FileInfo): number {
  const times = [info.ctime, info.mtime].map((t) => t?.getTime() ?? -Infinity);
  const latest = Math.max(...times);
  return latest === -Infinity ? Infinity : latest;
}

/** Whether the lock's owner is alive: true, false or unknown. */
async function ownerAlive(
  pid: number | undefined,
  options: DotlockOptions,
): Promise<boolean | undefined> {
  if (pid === undefined || pid === Deno.pid) return undefined;
  return await (options.processAlive ?? procProcessAlive)(pid);
}

/** Removes `lockPath` if it is stale; true if it was removed (or gone). */
async function breakIfStale(
  lockPath: string,
  options: DotlockOptions,
): Promise<boolean> {
  try {
    const before = await Deno.lstat(lockPath);
    const alive = await ownerAlive(await lockOwner(lockPath), options);
    if (alive === true) return false;
    if (alive === undefined) {
      const now = (options.clock ?? Date.now)();
      const staleAfter = options.staleAfter ?? STALE_LOCK_TIME;
      if (now - lastChange(before) <= staleAfter) return false;
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
 * Takes the dotlock `lockPath`, breaking it first if it is stale.
 * @throws DotlockBusyError when another live holder has it; the OS error
 *   when the lock cannot be created for another reason
 */
export async function takeDotlock(
  lockPath: string,
  options: DotlockOptions = {},
): Promise<HeldDotlock> {
  if (heldHere.has(lockPath)) throw new DotlockBusyError(lockPath);
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
    throw new DotlockBusyError(lockPath);
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
  const every = options.refreshEvery ?? 0;
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
