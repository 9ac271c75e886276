/**
 * Creates and removes virtual mailboxes for `mailsrv user`.
 *
 * DESCRIPTION
 *   A Maildir is its directory and `tmp/`, `new/`, `cur/`, each mode 0700;
 *   an mbox is an empty file of mode 0600 (Postfix's virtual(8) modes).
 *   When running as root everything created gets the owner the virtual
 *   uid/gid maps give, so the delivery agent (running as that user) and
 *   the POP3 server can use it; a missing domain directory is created the
 *   same way. Each new entry is made durable with a directory fsync. A
 *   mailbox that already exists (a user added again after `user del`
 *   without `--purge`) is kept, mail included; missing Maildir
 *   subdirectories are added. An existing entry of the wrong kind (a
 *   file where a Maildir goes) is refused with `AdminError`.
 *
 *   Used by `mailsrv domain` and `mailsrv user`. Needs write permission
 *   under virtual_mailbox_base.
 *
 *   Does NOT lock or deliver (see `delivery/`); removal is for `--purge`
 *   and `--force` only.
 */
import { dirname, join } from "node:path";
import { syncDirectory } from "../fs/sync_directory.ts";
import { AdminError } from "./admin_error.ts";
import type { Owner } from "./virtual_layout.ts";

/** A virtual mailbox's format, as the map line's trailing `/` tells. */
export type MailboxFormat = "maildir" | "mbox";

/**
 * Creates directory `path` with `mode` (and owner) unless it exists;
 * its parent must exist.
 * @returns whether it was created
 */
export async function ensureDirectory(
  path: string,
  mode: number,
  owner?: Owner,
): Promise<boolean> {
  try {
    await Deno.mkdir(path, { mode });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
  // mkdir's mode passes through the umask; set it exactly.
  await Deno.chmod(path, mode);
  if (owner) await Deno.chown(path, owner.uid, owner.gid);
  await syncDirectory(dirname(path));
  return true;
}

/**
 * Creates the mailbox at `path` (its domain directory too, if missing).
 * @param owner uid/gid for the new entries; undefined keeps the caller's
 */
export async function createMailbox(
  path: string,
  format: MailboxFormat,
  owner?: Owner,
): Promise<void> {
  await requireKind(dirname(path), "directory", "the domain directory");
  await requireKind(
    path,
    format === "maildir" ? "directory" : "file",
    format === "maildir" ? "a Maildir" : "an mbox",
  );
  await ensureDirectory(dirname(path), 0o700, owner);
  if (format === "maildir") {
    await ensureDirectory(path, 0o700, owner);
    for (const sub of ["tmp", "new", "cur"]) {
      await ensureDirectory(join(path, sub), 0o700, owner);
    }
    return;
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return;
    throw e;
  }
  try {
    await Deno.chmod(path, 0o600);
    if (owner) await Deno.chown(path, owner.uid, owner.gid);
    await file.sync();
  } finally {
    file.close();
  }
  await syncDirectory(dirname(path));
}

/**
 * Removes a mailbox (file or directory tree); a missing one is no error.
 * @returns whether there was one
 */
export async function removeMailbox(path: string): Promise<boolean> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  await syncDirectory(dirname(path));
  return true;
}

/**
 * Refuses an existing entry at `path` of the wrong kind (a file where a
 * Maildir or the domain directory goes, a directory where an mbox goes).
 * @param what what `path` is to be, for the message
 */
async function requireKind(
  path: string,
  kind: "directory" | "file",
  what: string,
): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (kind === "directory" ? !info.isDirectory : !info.isFile) {
    throw new AdminError(
      `"${path}" exists and is not a ${
        kind === "directory" ? "directory" : "regular file"
      }, so it cannot be ${what}`,
    );
  }
}
