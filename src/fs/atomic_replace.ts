/**
 * Atomic replacement of a file: temporary file, fsync, rename, directory
 * fsync — the one implementation mailsrv has.
 *
 * DESCRIPTION
 *   `editFileAtomically(path, change, options)` reads a file, lets `change`
 *   compute its new text, writes that to a temporary file in the same
 *   directory, fsyncs it, renames it over the old one and fsyncs the
 *   directory. A reader (smtpd's table cache, the POP3 server) sees the
 *   old file or the new one, never half of either; a crash or a failed
 *   write leaves the old file and removes the temporary one.
 *
 *   The new file keeps the old one's mode and, when run as root, its owner;
 *   a file that did not exist gets `createMode` and `createOwner`. A
 *   symbolic link is followed and its target replaced, so links into a
 *   configuration-management tree stay links. Edits of files in one
 *   directory are serialized with an exclusive flock(2) on the directory,
 *   so two administrators cannot lose each other's change.
 *
 *   Used by `mailsrv domain`, `mailsrv user` and `mailsrv postconf -e`.
 *   Needs read and write permission on the file's directory.
 *
 *   Does NOT merge concurrent edits made by programs that take no lock
 *   (an editor); the last rename wins, as with postmap.
 */
import { basename, dirname, join } from "node:path";
import { syncDirectory } from "./sync_directory.ts";

/** How `editFileAtomically` writes. */
export interface AtomicEditOptions {
  /** Permission bits of a file that does not exist yet. */
  readonly createMode: number;
  /** Owner of a new file; applied only when running as root. */
  readonly createOwner?: { readonly uid: number; readonly gid: number };
  /** Writes the whole content (tests inject failures). */
  readonly writeAll?: (file: Deno.FsFile, bytes: Uint8Array) => Promise<void>;
}

/**
 * The change to make: the new text for the old one (null: no file yet),
 * or null to leave the file as it is.
 */
export type FileChange = (text: string | null) => string | null;

const encoder = new TextEncoder();

/**
 * Replaces `path` with `change(old text)`, atomically and durably.
 * @returns whether the file was written (false when `change` returned null)
 * @throws whatever `change` throws (nothing is written), or the I/O error
 */
export async function editFileAtomically(
  path: string,
  change: FileChange,
  options: AtomicEditOptions,
): Promise<boolean> {
  const target = await resolveLink(path);
  const directory = dirname(target);
  const lock = await Deno.open(directory, { read: true });
  try {
    await lock.lock(true);
    const current = await currentFile(target);
    const next = change(current?.text ?? null);
    if (next === null) return false;
    await replaceFile(target, encoder.encode(next), current?.info, options);
    await syncDirectory(directory);
    return true;
  } finally {
    lock.close();
  }
}

/** The file a path names after following symbolic links (it may not exist). */
async function resolveLink(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return path;
    throw e;
  }
}

async function currentFile(
  path: string,
): Promise<{ text: string; info: Deno.FileInfo } | null> {
  try {
    const info = await Deno.stat(path);
    return { text: await Deno.readTextFile(path), info };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function replaceFile(
  path: string,
  bytes: Uint8Array,
  old: Deno.FileInfo | undefined,
  options: AtomicEditOptions,
): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  const mode = old?.mode != null ? old.mode & 0o7777 : options.createMode;
  const owner = old?.uid != null && old.gid != null
    ? { uid: old.uid, gid: old.gid }
    : options.createOwner;
  const writeAll = options.writeAll ?? writeFully;
  try {
    const file = await Deno.open(temporary, {
      write: true,
      createNew: true,
      mode: 0o600,
    });
    try {
      await writeAll(file, bytes);
      // Set explicitly (the umask cannot narrow it) and before the fsync,
      // so the mode and owner are as durable as the content.
      await Deno.chmod(temporary, mode);
      if (owner && Deno.uid() === 0) {
        await Deno.chown(temporary, owner.uid, owner.gid);
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (e) {
    await Deno.remove(temporary).catch(() => {});
    throw e;
  }
}

async function writeFully(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await file.write(bytes.subarray(at));
  }
}
