/**
 * Maildir delivery: one message, one file, made visible by a link.
 *
 * DESCRIPTION
 *   Delivers to a Maildir as qmail's maildir(5) prescribes, for the local
 *   delivery agent (and later the virtual one):
 *
 *   1. create `dir/{tmp,new,cur}` (mode 0700) if missing;
 *   2. create `tmp/<unique>` exclusively and stream into it the
 *      `Return-Path:` and `Delivered-To:` headers and then the content;
 *   3. fsync the file;
 *   4. rename it to `new/<unique>,S=<size>,W=<wire size>` (one system call; the unique
 *      name — time, pid and a per-process counter — cannot clash, which is
 *      what qmail's link-then-unlink guarded against);
 *   5. fsync `new/` (shared with concurrent deliveries: group commit).
 *
 *   Only after step 5 does the delivery count as done, so a crash at any
 *   point leaves either no message in new/ or a complete, durable one.
 *   On failure the tmp file is removed. Readers never see a partial file:
 *   they only look at new/ and cur/.
 *
 *   `writeToMaildir` does steps 1–4 and returns step 5 as `sync`, so
 *   local delivery can let the next delivery to the same recipient start
 *   while this one waits for new/ to reach the disk (`deliverToMaildir`
 *   does both).
 *
 *   Unique names are `<sec>.M<usec>P<pid>Q<n>.<host>` (Courier/Dovecot
 *   style), `n` counting deliveries in this process; `/` and `:` in the
 *   host name are written `\057` and `\072`. `,S=` carries the file size
 *   (headers included) and `,W=` its size with CRLF line ends (Courier and
 *   Dovecot write both), which POP3 and IMAP servers use without opening
 *   the file.
 *
 *   When `owner` is given (mailsrv runs as root), the file and every
 *   directory created here are chowned to it before the file is moved
 *   into new/. Maildirs known to exist are not checked again for every
 *   message; if one disappears, the next delivery recreates it.
 *
 *   With a size limit (mailbox_size_limit, virtual_mailbox_limit), a
 *   message file that would be larger is refused before anything is
 *   created when its queued size already says so, and stopped (tmp file
 *   removed) otherwise: bounced 5.2.2 (`mailbox_limit.ts`).
 *
 *   Before writing, files in tmp/ older than 36 hours (what a crash left
 *   between steps 2 and 4) are removed, at most once an hour per Maildir
 *   (`maildir_tmp_cleanup.ts`).
 *
 *   Errors are `DeliveryError`s, classified by `mailbox_error.ts`.
 *   This module does not parse the message, quote anything, or enforce
 *   quotas (maildirsize).
 */
import { dirname, join } from "node:path";
import { syncDirectory } from "../../fs/sync_directory.ts";
import { writeAllSync } from "../../fs/write_all.ts";
import { WireSizeCounter } from "../../common/wire_size.ts";
import { copyContent } from "./copy_content.ts";
import { removeStaleTmpFiles } from "./maildir_tmp_cleanup.ts";
import { deliveryHeaders } from "../delivery_headers.ts";
import { mailboxError } from "../mailbox_error.ts";
import { type MailboxLimit, refuseOverLimit } from "../mailbox_limit.ts";
import type { DeliveryMessage } from "../types.ts";

/** The owner of files a delivery creates (a user's uid and gid). */
export interface MailboxOwner {
  readonly uid: number;
  readonly gid: number;
}

/** Options for `deliverToMaildir`. */
export interface MaildirOptions {
  /** This host's name, part of every file name (`myhostname`). */
  readonly hostname: string;
  /** Chown created files and directories to this user (running as root). */
  readonly owner?: MailboxOwner;
  /** Milliseconds since the epoch, fractions allowed (default: now). */
  readonly clock?: () => number;
  /** The largest a message file may be (none: no limit). */
  readonly sizeLimit?: MailboxLimit;
}

/** Deliveries made by this process: the `Q<n>` part of unique names. */
let deliveryCount = 0;

/** Escapes a host name for a Maildir file name (maildir(5)). */
export function maildirHostname(hostname: string): string {
  return hostname.replaceAll("/", "\\057").replaceAll(":", "\\072");
}

/**
 * A new unique base name, `<sec>.M<usec>P<pid>Q<n>.<host>`.
 * @param time milliseconds since the epoch (fractions give the usec part)
 */
export function maildirUniqueName(time: number, hostname: string): string {
  const seconds = Math.floor(time / 1000);
  const micros = Math.floor((time - seconds * 1000) * 1000);
  deliveryCount++;
  return `${seconds}.M${micros}P${Deno.pid}Q${deliveryCount}.${
    maildirHostname(hostname)
  }`;
}

function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Creates `path` and any missing parents (mode 0700).
 * @returns the directories that were created, outermost first
 */
function makeDirectories(path: string): string[] {
  const missing: string[] = [];
  for (let dir = path;; dir = dirname(dir)) {
    try {
      Deno.lstatSync(dir);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.unshift(dir);
      if (dirname(dir) === dir) break;
    }
  }
  const created: string[] = [];
  for (const dir of missing) {
    try {
      Deno.mkdirSync(dir, { mode: 0o700 });
      created.push(dir);
    } catch (error) {
      // Another delivery may have created it meanwhile.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  return created;
}

/** Creates the Maildir and its subdirectories where missing. */
function makeMaildir(dir: string, owner?: MailboxOwner): void {
  const created = makeDirectories(dir);
  for (const sub of ["tmp", "new", "cur"]) {
    created.push(...makeDirectories(join(dir, sub)));
  }
  if (owner) {
    for (const path of created) Deno.chownSync(path, owner.uid, owner.gid);
  }
}

/** Creates a fresh file in tmp/; retries on the (unlikely) name clash. */
function createTmpFile(
  dir: string,
  options: MaildirOptions,
): { base: string; path: string; file: Deno.FsFile } {
  const clock = options.clock ?? preciseNow;
  for (let attempt = 1;; attempt++) {
    const base = maildirUniqueName(clock(), options.hostname);
    const path = join(dir, "tmp", base);
    try {
      const file = Deno.openSync(path, {
        write: true,
        createNew: true,
        mode: 0o600,
      });
      return { base, path, file };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) || attempt >= 3) {
        throw error;
      }
    }
  }
}

/** Maildirs (with tmp/, new/, cur/) this process has seen or made. */
const knownMaildirs = new Set<string>();

/** Creates the staging file, (re)creating the Maildir when needed. */
function createInMaildir(
  dir: string,
  options: MaildirOptions,
): { base: string; path: string; file: Deno.FsFile } {
  if (knownMaildirs.has(dir)) {
    try {
      return createTmpFile(dir, options);
    } catch (error) {
      // Removed behind our back: make it again below.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      knownMaildirs.delete(dir);
    }
  }
  makeMaildir(dir, options.owner);
  knownMaildirs.add(dir);
  return createTmpFile(dir, options);
}

/** A message in a Maildir's new/, not yet durable there. */
export interface MaildirWrite {
  /**
   * Makes it durable: fsyncs new/ (shared with concurrent deliveries:
   * group commit). On failure the file is removed from new/.
   * @returns the file name in new/
   * @throws DeliveryError temporary, see `mailbox_error.ts`
   */
  sync(): Promise<string>;
}

/**
 * Writes `message` into the Maildir `dir` (steps 1–4); `sync` does
 * step 5.
 * @param dir the Maildir (the directory holding tmp/, new/ and cur/)
 * @throws DeliveryError temporary or permanent, see `mailbox_error.ts`
 */
export async function writeToMaildir(
  dir: string,
  message: DeliveryMessage,
  options: MaildirOptions,
): Promise<MaildirWrite> {
  let tmpPath: string | undefined;
  try {
    const headers = deliveryHeaders(message);
    const limit = options.sizeLimit;
    refuseOverLimit(limit, headers.length + message.size);
    // What a crash left in tmp/ 36 hours ago goes (at most hourly).
    removeStaleTmpFiles(dir, Date.now());
    const tmp = createInMaildir(dir, options);
    tmpPath = tmp.path;
    let size: number;
    const wire = new WireSizeCounter();
    try {
      if (options.owner) {
        Deno.chownSync(tmp.path, options.owner.uid, options.owner.gid);
      }
      writeAllSync(tmp.file, headers);
      wire.add(headers);
      size = headers.length + await copyContent(
        message,
        tmp.file,
        undefined,
        { limit, sizeBefore: headers.length },
        (chunk) => wire.add(chunk),
      );
      await tmp.file.sync();
    } finally {
      tmp.file.close();
    }
    const name = `${tmp.base},S=${size},W=${wire.size}`;
    const newPath = join(dir, "new", name);
    Deno.renameSync(tmp.path, newPath);
    return { sync: () => syncNew(dir, name) };
  } catch (error) {
    if (tmpPath) removeQuietly(tmpPath);
    throw mailboxError(error, `cannot deliver to maildir "${dir}"`);
  }
}

/** Step 5 for message `name` of Maildir `dir`. */
async function syncNew(dir: string, name: string): Promise<string> {
  try {
    await syncDirectory(join(dir, "new"));
    return name;
  } catch (error) {
    // A deferred delivery must not also be visible: it will be retried.
    removeQuietly(join(dir, "new", name));
    throw mailboxError(error, `cannot deliver to maildir "${dir}"`);
  }
}

/** Removes `path`, if there is anything to remove and a way to. */
function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // The error reported is the cause.
  }
}

/**
 * Delivers `message` into the Maildir `dir`: written, then synced.
 * @param dir the Maildir (the directory holding tmp/, new/ and cur/)
 * @returns the file name in new/
 * @throws DeliveryError temporary or permanent, see `mailbox_error.ts`
 */
export async function deliverToMaildir(
  dir: string,
  message: DeliveryMessage,
  options: MaildirOptions,
): Promise<string> {
  return await (await writeToMaildir(dir, message, options)).sync();
}
