/**
 * Reads a `.forward` or `:include:` file together with who owns it.
 *
 * DESCRIPTION
 *   Local delivery trusts such a file only as far as its owner: a
 *   `.forward` must belong to its user (or root) and must not be
 *   world-writable, and the commands and files an `:include:` list names
 *   run as the list's owner. The owner and mode are taken from the open
 *   file (fstat), so they describe the text that was read even if the
 *   path is replaced meanwhile.
 *
 *   The file must be a regular file and at most `OWNED_FILE_LIMIT` bytes
 *   (a list of addresses, not a mailbox): reading stops there.
 *
 *   Most users have no `.forward`, so its absence is the common answer,
 *   found at every delivery: `known_absence.ts` tells it without the
 *   exception a failed open builds, and never misses a file made before
 *   the call.
 *
 *   Used by the local delivery agent; needs read access to users' homes
 *   and to the include files.
 */
import { noteAbsent, surelyAbsent } from "./known_absence.ts";

/** The text of a file and its owner and permission bits. */
export interface OwnedFile {
  readonly text: string;
  readonly uid: number;
  readonly gid: number;
  /** Permission bits (e.g. 0o644). */
  readonly mode: number;
}

/** Reads a file for expansion; undefined when it does not exist. */
export type ReadOwnedFile = (path: string) => Promise<OwnedFile | undefined>;

/** The largest `.forward` or `:include:` file read, in bytes. */
export const OWNED_FILE_LIMIT = 1024 * 1024;

/**
 * Reads `path` and its ownership.
 * @returns the file, or undefined when there is no such file
 * @throws Error when it exists but cannot be read, is not a regular file
 *   or is larger than `OWNED_FILE_LIMIT`
 */
// deno-lint-ignore require-await -- errors reject, as callers expect
export async function readOwnedFile(
  path: string,
): Promise<OwnedFile | undefined> {
  // Synchronous: a small local file, read faster than a thread handoff.
  const asked = surelyAbsent(path);
  if (asked.absent) return undefined;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    noteAbsent(asked.note);
    return undefined;
  }
  try {
    const info = file.statSync();
    if (!info.isFile) throw new Error(`"${path}" is not a regular file`);
    if (info.size > OWNED_FILE_LIMIT) {
      throw new Error(
        `"${path}" is larger than ${OWNED_FILE_LIMIT} bytes`,
      );
    }
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const count = file.readSync(bytes.subarray(filled));
      if (count === null) break;
      filled += count;
    }
    return {
      text: new TextDecoder().decode(bytes.subarray(0, filled)),
      uid: info.uid ?? 0,
      gid: info.gid ?? 0,
      mode: (info.mode ?? 0) & 0o7777,
    };
  } finally {
    file.close();
  }
}
