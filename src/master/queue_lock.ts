/**
 * The queue lock: one mail system delivers from a queue at a time.
 *
 * DESCRIPTION
 *   `$queue_directory/pid/master.lock` is held with an exclusive flock(2)
 *   by whoever delivers from the queue: the daemon for its whole life, a
 *   one-shot queue run (`mailsrv flush` with the daemon stopped) for its
 *   run. Postfix's master holds a lock on its pid file the same way. So
 *   a daemon started during a one-shot run, and a one-shot run started
 *   beside a daemon, never deliver the same message twice.
 *
 *   The holder writes what it is into the file (`daemon 1234`, `flush
 *   1234`), only so that the one refused can say who holds the queue;
 *   the flock alone decides. The kernel drops the lock when the holder
 *   exits, even after `kill -9`, so a stale lock cannot exist; the file
 *   itself stays (removing a lock file races with its next holder).
 *
 *   Used by the daemon (daemon.ts), the one-shot run (one_shot_run.ts)
 *   and `mailsrv start`, which reads the holder to wait for a one-shot
 *   run instead of timing out. Needs read and write access to pid/.
 */
import { join } from "node:path";
import { DaemonRunningError } from "./control.ts";

/** Who holds the queue. */
export interface QueueHolder {
  /** `postsuper`: queue surgery with the daemon stopped (cli/). */
  readonly kind: "daemon" | "flush" | "postsuper";
  readonly pid: number;
}

/** A held queue lock. */
export interface QueueLock {
  /** Releases the lock (closing the file). */
  release(): void;
}

/** Path of the queue lock under a queue directory. */
export function queueLockPath(queueDirectory: string): string {
  return join(queueDirectory, "pid", "master.lock");
}

async function openLockFile(queueDirectory: string): Promise<Deno.FsFile> {
  await Deno.mkdir(join(queueDirectory, "pid"), {
    recursive: true,
    mode: 0o700,
  });
  return await Deno.open(queueLockPath(queueDirectory), {
    read: true,
    write: true,
    create: true,
    mode: 0o600,
  });
}

async function claim(
  file: Deno.FsFile,
  kind: QueueHolder["kind"],
): Promise<QueueLock> {
  await file.truncate(0);
  await file.seek(0, Deno.SeekMode.Start);
  const line = new TextEncoder().encode(`${kind} ${Deno.pid}\n`);
  let written = 0;
  while (written < line.length) {
    written += await file.write(line.subarray(written));
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        file.close();
      } catch {
        // already closed
      }
    },
  };
}

/**
 * What the lock file says about its holder; undefined when it says
 * nothing usable. Says nothing about whether the lock is held now.
 */
export async function readQueueHolder(
  queueDirectory: string,
): Promise<QueueHolder | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(queueLockPath(queueDirectory));
  } catch {
    return undefined;
  }
  const match = /^(daemon|flush|postsuper) (\d+)\n?$/.exec(text);
  if (!match) return undefined;
  return { kind: match[1] as QueueHolder["kind"], pid: Number(match[2]) };
}

/**
 * Takes the queue lock if it is free.
 * @returns the lock, or who holds it (undefined holder: not yet known)
 */
export async function tryLockQueue(
  queueDirectory: string,
  kind: QueueHolder["kind"],
): Promise<
  { readonly lock: QueueLock } | {
    readonly lock?: undefined;
    readonly holder: QueueHolder | undefined;
  }
> {
  const file = await openLockFile(queueDirectory);
  try {
    if (await file.tryLock(true)) return { lock: await claim(file, kind) };
  } catch (error) {
    file.close();
    throw error;
  }
  file.close();
  return { holder: await readQueueHolder(queueDirectory) };
}

/**
 * Takes the queue lock, waiting for it while someone else holds it.
 * @param waiting called once, before waiting, with the holder
 */
export async function lockQueue(
  queueDirectory: string,
  kind: QueueHolder["kind"],
  waiting: (holder: QueueHolder | undefined) => void,
): Promise<QueueLock> {
  const file = await openLockFile(queueDirectory);
  try {
    if (!(await file.tryLock(true))) {
      waiting(await readQueueHolder(queueDirectory));
      await file.lock(true);
    }
    return await claim(file, kind);
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Whether a one-shot run holds the queue now. The lock is probed with a
 * shared lock, released at once; a holder that is not a one-shot run is
 * not looked at.
 */
export async function heldByOneShotRun(
  queueDirectory: string,
): Promise<QueueHolder | undefined> {
  const holder = await readQueueHolder(queueDirectory);
  if (holder?.kind !== "flush") return undefined;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(queueLockPath(queueDirectory), { read: true });
  } catch {
    return undefined;
  }
  try {
    return (await file.tryLock(false)) ? undefined : holder;
  } finally {
    file.close();
  }
}

/** The pause before a second look when the holder says "daemon". */
const SECOND_LOOK_MS = 200;

/**
 * The daemon's lock: refused when another daemon holds the queue; waits,
 * telling `waiting`, while a one-shot run holds it.
 *
 * A held lock always has a live holder (the kernel drops it on exit), but
 * the name in the file may be the previous holder's for the instant
 * between a new holder's lock and its write: "daemon" is believed only
 * on a second look.
 * @throws DaemonRunningError
 */
export async function lockQueueForDaemon(
  queueDirectory: string,
  waiting: (holder: QueueHolder | undefined) => void,
): Promise<QueueLock> {
  for (let look = 0;; look++) {
    const taken = await tryLockQueue(queueDirectory, "daemon");
    if (taken.lock) return taken.lock;
    if (taken.holder?.kind !== "daemon") break;
    if (look > 0) {
      throw new DaemonRunningError(queueDirectory, taken.holder.pid);
    }
    await new Promise((r) => setTimeout(r, SECOND_LOOK_MS));
  }
  return await lockQueue(queueDirectory, "daemon", waiting);
}
