/**
 * mbox maildrops for POP3: lock, snapshot, stream, and rewrite at QUIT.
 *
 * DESCRIPTION
 *   Opening an mbox maildrop takes the session lock (`mailbox_lock.ts`)
 *   and removes a `<mbox>.mailsrv-tmp` left by a crash during an earlier
 *   QUIT. The first command that needs the messages scans the file once
 *   in chunks (`mbox_scan.ts`), with synchronous reads in time slices
 *   (`common/time_slice.ts`), so the PASS reply never waits for it: the
 *   snapshot is message extents, sizes and vm-pop3d UIDLs, never content.
 *
 *   RETR reads a message's byte range through the session's descriptor
 *   and a window read ahead (`message_file.ts`), as stored (LF line ends, without its `From `
 *   line); the session turns LF into CRLF and byte-stuffs (RFC 1939 §3).
 *
 *   QUIT with deletions (RFC 1939 §6, UPDATE state) writes the mailbox
 *   anew instead of vm-pop3d's in-place compaction, which a crash could
 *   leave half-written:
 *
 *   1. stream into `<mbox>.mailsrv-tmp` (same directory, the mbox's mode
 *      and owner): bytes before the first message, every kept message
 *      with its `From ` line, and anything appended after the scan;
 *   2. fsync it, rename it over the mbox, fsync the directory;
 *   3. unlock.
 *
 *   A crash before the rename leaves the old mbox whole (and a tmp file
 *   the next session removes); after it, the new one. Nothing deleted
 *   means no write at all. The dotlock is checked to still be ours first:
 *   if another program broke it, nothing is written.
 *
 *   The rename gives the mbox a new inode. A writer that opened the file
 *   before waiting for the dotlock must check, once it has the lock, that
 *   the path still names the file it opened (Postfix and procmail take
 *   the dotlock before opening).
 *
 *   Used by the POP3 role; needs read and write access to the mailbox
 *   and its directory. It does not deliver, quote, or convert line ends.
 */
import { basename, dirname, join } from "node:path";
import { TimeSlice } from "../common/time_slice.ts";
import { syncDirectory } from "../fs/sync_directory.ts";
import type { MboxLock } from "../fs/mbox_lock.ts";
import { type DotlockOptions, lockSessionMbox } from "./mailbox_lock.ts";
import { type MboxIndex, MboxScanner } from "./mbox_scan.ts";
import { listingOf } from "./maildrop_listing.ts";
import { MboxRanges } from "./message_file.ts";
import type { Maildrop } from "./types.ts";

/** Options for `openMboxMaildrop`. */
export interface MboxMaildropOptions {
  readonly lock?: DotlockOptions;
  /** Read size for scanning and copying, bytes (default 64 KiB). */
  readonly chunkSize?: number;
}

/** A byte range of the mbox file. */
interface Range {
  readonly start: number;
  readonly end: number;
}

/** The file the rewrite goes to, next to the mbox. */
export function mboxTempPath(path: string): string {
  return join(dirname(path), `${basename(path)}.mailsrv-tmp`);
}

/** Scans the open mbox from its start, in time slices. */
async function scanFile(
  file: Deno.FsFile,
  chunkSize: number,
): Promise<MboxIndex> {
  const scanner = new MboxScanner();
  const buffer = new Uint8Array(chunkSize);
  const slice = new TimeSlice();
  file.seekSync(0, Deno.SeekMode.Start);
  for (;;) {
    const count = file.readSync(buffer);
    if (count === null || count === 0) break;
    scanner.push(buffer.subarray(0, count));
    await slice.pause();
  }
  return scanner.finish();
}

/** Writes all of `bytes` to `file`. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}

/** The byte ranges a rewrite keeps, adjacent ones merged. */
export function keptRanges(
  index: MboxIndex,
  deleted: ReadonlySet<number>,
  fileLength: number,
): Range[] {
  const ranges: Range[] = [];
  const keep = (start: number, end: number) => {
    if (end <= start) return;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end === start) {
      ranges[ranges.length - 1] = { start: last.start, end };
    } else ranges.push({ start, end });
  };
  const messages = index.messages;
  keep(0, messages[0]?.separatorOffset ?? index.length);
  messages.forEach((message, i) => {
    if (!deleted.has(i)) keep(message.separatorOffset, message.end);
  });
  keep(index.length, fileLength);
  return ranges;
}

/** Copies `ranges` of `source` into `target`. */
async function copyRanges(
  source: Deno.FsFile,
  target: Deno.FsFile,
  ranges: readonly Range[],
  chunkSize: number,
): Promise<void> {
  const buffer = new Uint8Array(chunkSize);
  for (const range of ranges) {
    await source.seek(range.start, Deno.SeekMode.Start);
    let left = range.end - range.start;
    while (left > 0) {
      const count = await source.read(
        buffer.subarray(0, Math.min(left, chunkSize)),
      );
      if (count === null) throw new Error("Mailbox shrank while being copied");
      await writeAll(target, buffer.subarray(0, count));
      left -= count;
    }
  }
}

/** Writes the kept ranges to the tmp file, durably, with the mbox's owner. */
async function writeReplacement(
  path: string,
  source: Deno.FsFile,
  ranges: readonly Range[],
  chunkSize: number,
): Promise<string> {
  const info = await source.stat();
  const temp = mboxTempPath(path);
  const target = await Deno.open(temp, {
    write: true,
    create: true,
    truncate: true,
    mode: 0o600,
  });
  try {
    await Deno.chmod(temp, (info.mode ?? 0o600) & 0o7777);
    const own = await target.stat();
    if (
      info.uid !== null && info.gid !== null &&
      (own.uid !== info.uid || own.gid !== info.gid)
    ) {
      await Deno.chown(temp, info.uid, info.gid);
    }
    await copyRanges(source, target, ranges, chunkSize);
    await target.sync();
  } catch (error) {
    target.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  target.close();
  return temp;
}

/** Refuses anything but a plain file (a link would be replaced by the rename). */
async function openMboxFile(path: string): Promise<Deno.FsFile> {
  const before = await Deno.lstat(path);
  if (!before.isFile) {
    throw new Error(`Mailbox "${path}" is not a regular file`);
  }
  const file = await Deno.open(path, { read: true });
  const opened = await file.stat();
  if (opened.ino !== before.ino || opened.dev !== before.dev) {
    file.close();
    throw new Error(`Mailbox "${path}" was replaced while being opened`);
  }
  return file;
}

/**
 * Opens and locks the mbox at `path` for one POP3 session.
 * @throws Deno.errors.NotFound when there is no mailbox (an empty maildrop)
 * @throws MaildropBusyError when another session or a delivery holds it
 */
export async function openMboxMaildrop(
  path: string,
  options: MboxMaildropOptions = {},
): Promise<Maildrop> {
  const chunkSize = options.chunkSize ?? 65536;
  const file = await openMboxFile(path);
  let lock: MboxLock;
  try {
    lock = await lockSessionMbox(path, file, options.lock);
  } catch (error) {
    file.close();
    throw error;
  }
  try {
    await Deno.remove(mboxTempPath(path)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  } catch (error) {
    await lock.release().finally(() => file.close());
    throw error;
  }
  let scanned: Promise<MboxIndex> | undefined;
  let index: MboxIndex = { messages: [], length: 0 };
  let open = true;
  const ranges = new MboxRanges(file);
  const finish = async () => {
    if (!open) return;
    open = false;
    ranges.drop();
    try {
      await lock.release();
    } finally {
      file.close();
    }
  };
  const checkIndex = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= index.messages.length) {
      throw new RangeError(`No message with index ${i}`);
    }
  };
  return {
    async scan() {
      if (!open) throw new Error("The maildrop is closed");
      scanned ??= scanFile(file, chunkSize);
      index = await scanned;
      // The extents carry the size and UIDL the session needs.
      return listingOf(index.messages);
    },
    retrieve(i) {
      if (!open) throw new Error("The maildrop is closed");
      checkIndex(i);
      const { start, end } = index.messages[i];
      return ranges.range(start, end);
    },
    async commit(deleted) {
      if (!open) throw new Error("The maildrop is closed");
      try {
        for (const i of deleted) checkIndex(i);
        if (deleted.size === 0 || scanned === undefined) return;
        if (!await lock.dotlock.stillHeld()) {
          throw new Error(`Lost the lock on mailbox "${path}"; not updated`);
        }
        const length = (await file.stat()).size;
        const ranges = keptRanges(index, deleted, length);
        const temp = await writeReplacement(path, file, ranges, chunkSize);
        await Deno.rename(temp, path).catch(async (error) => {
          await Deno.remove(temp).catch(() => {});
          throw error;
        });
        await syncDirectory(dirname(path));
      } finally {
        await finish();
      }
    },
    release: finish,
  };
}
