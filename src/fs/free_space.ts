/**
 * Free space of a file system, asked at most once a second.
 *
 * DESCRIPTION
 *   Postfix's fsspace(3): the bytes an unprivileged writer may still use
 *   on the file system holding a path (statfs(2) `f_bavail × f_bsize`).
 *   smtpd asks before every MAIL FROM (queue_minfree), so the answer is
 *   kept for `maxAgeMs` (a second by default): a statfs costs about 30
 *   microseconds, and a second-old figure is as good as a new one for a
 *   margin of megabytes.
 *
 *   Deno has no statfs of its own; `node:fs` `statfsSync` needs the
 *   `statfs` system permission (`--allow-sys=statfs`, in the `mailsrv`
 *   permission set) and read permission on the path. When it fails (no
 *   permission, a path that vanished) the answer is undefined: unknown,
 *   so the caller refuses nothing on it.
 *
 *   Used by smtpd (through the master), `mailsrv check` and start. Does
 *   NOT decide what is enough (config/queue_space.ts).
 */
import { statfsSync } from "node:fs";

/** Options for `createFreeSpaceProbe`; every field is optional. */
export interface FreeSpaceProbeOptions {
  /** How long an answer is kept, in milliseconds (default 1000). */
  readonly maxAgeMs?: number;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
}

/**
 * Bytes free for an unprivileged writer on the file system of `path`,
 * or undefined when that cannot be told.
 */
export function freeSpace(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Returns a function that tells the free space of `path`'s file system,
 * asking the kernel at most once per `maxAgeMs`.
 */
export function createFreeSpaceProbe(
  path: string,
  options: FreeSpaceProbeOptions = {},
): () => number | undefined {
  const maxAgeMs = options.maxAgeMs ?? 1000;
  const now = options.now ?? Date.now;
  let askedAt = -Infinity;
  let answer: number | undefined;
  return () => {
    const time = now();
    if (time - askedAt >= maxAgeMs || time < askedAt) {
      answer = freeSpace(path);
      askedAt = time;
    }
    return answer;
  };
}
