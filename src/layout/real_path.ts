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
 *   Does NOT create, lock or open anything: the answer is true at the
 *   moment it is computed (see the SECURITY note in `mailbox_guard.ts`).
 */
import { basename, dirname, join, resolve } from "node:path";

const MAX_LINKS = 40;

/**
 * The absolute real path of `path` (symbolic links followed), existing
 * or not.
 */
export async function realPathOf(path: string): Promise<string> {
  return await follow(resolve(path), 0);
}

async function follow(absolute: string, links: number): Promise<string> {
  try {
    return await Deno.realPath(absolute);
  } catch {
    // Some part does not exist (or cannot be read): resolve what does.
  }
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.lstat(absolute);
  } catch {
    info = undefined;
  }
  if (info?.isSymlink) {
    if (links >= MAX_LINKS) return absolute;
    const target = await Deno.readLink(absolute);
    // Relative to where the link really is, as the kernel reads `..`.
    const directory = await follow(dirname(absolute), links + 1);
    return await follow(resolve(directory, target), links + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await follow(parent, links), basename(absolute));
}
