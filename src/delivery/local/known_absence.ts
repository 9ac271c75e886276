/**
 * Is there no file at this path? Asked at every delivery for `.forward`,
 * answered without an exception in the common case.
 *
 * DESCRIPTION
 *   Most users have no `.forward`. Opening a missing file in Deno throws
 *   a `NotFound` built with its stack, which was most of a local
 *   delivery's expansion cost. `surelyAbsent(path)` answers true only
 *   when nothing is at `path` and an open would fail with ENOENT, and
 *   false when the caller must open it (it may exist, or fail otherwise):
 *
 *   1. `existsSync` (node:fs; an answer without an exception) says
 *      whether `path` can be reached now. If so, false: the caller opens
 *      and reads it. A `.forward` made at any time before this call is
 *      therefore always found, as Postfix reads it at each delivery;
 *      nothing about the file itself is remembered.
 *   2. Otherwise the open may still fail for another reason than absence
 *      (EACCES, ELOOP, ...), which the caller must report as before. Why
 *      it failed is known without an open when an earlier open of the
 *      same path failed with ENOENT while its directory was as it is now:
 *      same device, inode, mtime and ctime. Any entry added, removed or
 *      renamed changes the mtime; a change of mode, owner or ACL changes
 *      the ctime; another directory mounted or linked in its place has
 *      another inode. A directory above that becomes unreadable makes the
 *      stat of the directory fail, and then the caller opens.
 *   3. Else false: the caller opens, and its ENOENT is recorded here
 *      (`noteAbsent`) with the directory's state taken before the open.
 *
 *   The same-tick rule: a directory's timestamps have a granularity (the
 *   kernel's coarse clock, a second on some file systems), so a change
 *   made in the same tick as the recorded state could leave them as they
 *   were. A state is therefore recorded only when both its mtime and its
 *   ctime are at least `SETTLED_MS` older than the moment the open
 *   failed: a later change then carries a later time. A directory
 *   changed moments ago is opened again at each delivery until it
 *   settles (a home that every delivery changes, with an mbox's dotlock
 *   in it, never does: there the open is made every time, as before).
 *
 *   Used by `owned_file.ts` in the local delivery thread; needs read
 *   access to the directories of the files asked about.
 *
 *   Does NOT read any file, nor say anything about files that exist.
 */
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** How old a directory's timestamps must be for its state to be kept. */
export const SETTLED_MS = 2000;

/** Paths remembered at most (one per user's forward_path entry). */
const MAX_PATHS = 10_000;

/** What identifies a directory's entries and permissions. */
interface DirectoryState {
  readonly dev: number;
  readonly ino: number;
  readonly mtime: number;
  readonly ctime: number;
}

/** path -> its directory's state when an open of it failed with ENOENT. */
const absent = new Map<string, DirectoryState>();

/**
 * Directories this thread may not read (the sandbox grants only the
 * `.forward` of a system account, not its home): not asked again, as a
 * thread's grant does not change while it runs.
 */
const denied = new Set<string>();

/** The state of `directory`, or undefined when it cannot be had. */
function stateOf(directory: string): DirectoryState | undefined {
  if (denied.has(directory)) return undefined;
  try {
    // One stat; a missing directory (a home that is not there) is left
    // to the open.
    const info = statSync(directory, { throwIfNoEntry: false });
    if (!info) return undefined;
    return {
      dev: info.dev,
      ino: info.ino,
      mtime: info.mtimeMs,
      ctime: info.ctimeMs,
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      if (denied.size >= MAX_PATHS) denied.clear();
      denied.add(directory);
    }
    return undefined;
  }
}

function same(a: DirectoryState, b: DirectoryState): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtime === b.mtime &&
    a.ctime === b.ctime;
}

/** Whether `path` can be reached now (false for any failure). */
function reachable(path: string): boolean {
  try {
    return existsSync(path);
  } catch {
    // Not permitted to this thread: the open says so.
    return true;
  }
}

/** The recorded absence of a file, to keep after a failed open. */
export interface AbsenceNote {
  readonly path: string;
  readonly directory?: DirectoryState;
}

/**
 * Whether nothing is at `path`, surely; false when it must be opened.
 * @returns the answer, and what to record if the open then finds nothing
 */
export function surelyAbsent(
  path: string,
): { readonly absent: boolean; readonly note: AbsenceNote } {
  if (reachable(path)) {
    absent.delete(path);
    return { absent: false, note: { path } };
  }
  const directory = stateOf(dirname(path));
  const known = absent.get(path);
  if (directory && known && same(directory, known)) {
    return { absent: true, note: { path, directory } };
  }
  return { absent: false, note: { path, directory } };
}

/**
 * Records that the open `note` was made for failed with ENOENT.
 * @param now the moment it failed (a clock for tests)
 */
export function noteAbsent(note: AbsenceNote, now: number = Date.now()): void {
  const directory = note.directory;
  if (
    !directory || now - directory.mtime < SETTLED_MS ||
    now - directory.ctime < SETTLED_MS
  ) {
    absent.delete(note.path);
    return;
  }
  if (absent.size >= MAX_PATHS) absent.clear();
  absent.set(note.path, directory);
}
