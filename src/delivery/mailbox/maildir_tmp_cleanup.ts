/**
 * Removes what a crash left in a Maildir's tmp/ (the Maildir convention).
 *
 * DESCRIPTION
 *   A delivery writes its file in tmp/ and renames it into new/; a crash
 *   (kill -9, power loss) between the two leaves a complete or partial
 *   copy in tmp/ that no reader looks at. qmail's maildir(5) says a file
 *   in tmp/ untouched for 36 hours is garbage: when mailsrv delivers to a
 *   Maildir, it removes such files first. Nothing younger is touched, so
 *   a delivery in progress (by mailsrv or by another program) is safe.
 *
 *   So that this costs nothing per delivery, each Maildir is looked at
 *   most once per CHECK_INTERVAL_MS in this process (the first delivery
 *   to it after start, then once an hour at most); the memory of when is
 *   bounded (MAX_REMEMBERED Maildirs, then it starts afresh).
 *
 *   Failures are ignored: cleaning is a courtesy, the delivery matters.
 *
 *   Used by the Maildir writer (maildir.ts). Needs read and write
 *   permission on the Maildir's tmp/.
 */
import { join } from "node:path";

/** Age after which a file in tmp/ is a crash leftover (maildir(5)). */
export const STALE_TMP_AGE_MS = 36 * 60 * 60 * 1000;

/** How often one Maildir's tmp/ is looked at, at most. */
export const CHECK_INTERVAL_MS = 60 * 60 * 1000;

/** Maildirs remembered at most before the memory starts afresh. */
const MAX_REMEMBERED = 10_000;

/** When each Maildir's tmp/ was last looked at (ms since the epoch). */
const lastChecked = new Map<string, number>();

/**
 * Removes the files in `dir`/tmp/ not modified for STALE_TMP_AGE_MS,
 * unless this Maildir was looked at within CHECK_INTERVAL_MS.
 * @param dir the Maildir (holding tmp/, new/ and cur/)
 * @param now milliseconds since the epoch
 * @returns the names removed (empty when not looked at)
 */
export function removeStaleTmpFiles(dir: string, now: number): string[] {
  const last = lastChecked.get(dir);
  if (last !== undefined && now - last < CHECK_INTERVAL_MS && now >= last) {
    return [];
  }
  if (lastChecked.size >= MAX_REMEMBERED) lastChecked.clear();
  lastChecked.set(dir, now);
  const tmp = join(dir, "tmp");
  const removed: string[] = [];
  try {
    for (const entry of Deno.readDirSync(tmp)) {
      if (!entry.isFile) continue;
      const path = join(tmp, entry.name);
      try {
        const modified = Deno.lstatSync(path).mtime?.getTime();
        if (modified === undefined || now - modified < STALE_TMP_AGE_MS) {
          continue;
        }
        Deno.removeSync(path);
        removed.push(entry.name);
      } catch {
        // Gone meanwhile, or not ours to remove: leave it.
      }
    }
  } catch {
    // No tmp/ yet (a new Maildir), or unreadable: nothing to clean.
  }
  return removed;
}
