/**
 * The file a path really names, whether or not it exists yet.
 *
 * DESCRIPTION
 *   `realPathOf(path)` follows every symbolic link in `path`, as the
 *   kernel will when a mailbox is created or opened there: the real path
 *   of the deepest part that exists, with the rest appended. A dangling
 *   link is followed to where it points (creating the mailbox would
 *   create its target); a loop of links stops after 40 steps (Linux's
 *   ELOOP limit) and leaves the path as it is.
 *
 *   Used by the mailbox guard (`mailbox_guard.ts`) for mailbox paths and
 *   for the files it protects. Needs read permission on the directories
 *   on the way.
 *
 *   The calls are synchronous: a mailbox path is local and is resolved
 *   at every delivery, where Deno's asynchronous realPath cost two thread
 *   handoffs through the blocking pool for a call of a few microseconds,
 *   and the Maildir and mbox writers open the same directories
 *   synchronously right after.
 *
 *   Does NOT create, lock or open anything: the answer is true at the
 *   moment it is computed (see the SECURITY note in `mailbox_guard.ts`).
 */
import { basename, dirname, join, resolve } from "node:path";

const MAX_LINKS = 40;

/**
 * The absolute real path of `path` (symbolic links followed), existing
 * or not.
 */
export function realPathOf(path: string): string {
  return follow(resolve(path), 0);
}

function follow(absolute: string, links: number): string {
  try {
    return Deno.realPathSync(absolute);
  } catch {
    // Some part does not exist (or cannot be read): resolve what does.
  }
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(absolute);
  } catch {
    info = undefined;
  }
  if (info?.isSymlink) {
    if (links >= MAX_LINKS) return absolute;
    const target = Deno.readLinkSync(absolute);
    // Relative to where the link really is, as the kernel reads `..`.
    const directory = follow(dirname(absolute), links + 1);
    return follow(resolve(directory, target), links + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(follow(parent, links), basename(absolute));
}
