/**
 * mbox delivery: append one message to a locked mailbox file.
 *
 * DESCRIPTION
 *   Delivers to a Unix mailbox file as Postfix's local(8) does, in the
 *   mboxrd dialect:
 *
 *     From <sender or MAILER-DAEMON> <asctime date>
 *     Return-Path: <sender>
 *     Delivered-To: <recipient>
 *     <content, lines matching /^>*From / quoted with one more ">">
 *     <empty line>
 *
 *   The file is created (mode 0600, chowned to `owner` when given) if it
 *   does not exist. An existing mailbox must be a regular file with one
 *   link: a symbolic or hard link could make a root-run delivery write
 *   somewhere else (Postfix's safe_open rules); the file opened is checked
 *   to be the one examined.
 *
 *   Under both locks (`lock.ts`) the current size is noted, the message
 *   appended as a stream and the file fsynced. On any failure, including a
 *   failure to read the message, the file is truncated back to the noted
 *   size and fsynced again, so no reader ever sees half a message; only
 *   then are the locks released.
 *
 *   With a size limit (mailbox_size_limit, virtual_mailbox_limit), an
 *   append that would make the file larger is refused before anything is
 *   written when the known sizes already exceed it, and stopped and
 *   truncated back when mboxrd quoting makes it grow past the limit:
 *   bounced 5.2.2 (`mailbox_limit.ts`).
 *
 *   Errors are `DeliveryError`s (`mailbox_error.ts`). This module does not
 *   choose the mailbox path or check who may write it.
 */
import { maillog } from "../../log/maillog.ts";
import { writeAllSync } from "../../fs/write_all.ts";
import { copyContent } from "./copy_content.ts";
import { deliveryHeaders } from "../delivery_headers.ts";
import { type MboxLockOptions, withMailboxLock } from "./lock.ts";
import { mailboxError, reasonOf } from "../mailbox_error.ts";
import { type MailboxLimit, refuseOverLimit } from "../mailbox_limit.ts";
import type { MailboxOwner } from "./maildir.ts";
import { mboxFromLine } from "./mbox_from_line.ts";
import { mboxrdEncoder } from "./mboxrd_encoder.ts";
import { DeliveryError, type DeliveryMessage } from "../types.ts";

/** Options for `deliverToMbox`. */
export interface MboxOptions {
  /** Chown a newly created mailbox to this user (running as root). */
  readonly owner?: MailboxOwner;
  /** How long to wait for the mailbox locks. */
  readonly lock?: MboxLockOptions;
  /** Milliseconds since the epoch, for the `From ` line (default: now). */
  readonly clock?: () => number;
  /** The largest the file may become (none: no limit). */
  readonly sizeLimit?: MailboxLimit;
}

function wrongType(path: string, why: string): DeliveryError {
  return new DeliveryError(
    `cannot update mailbox "${path}": ${why}`,
    false,
    "5.2.0",
  );
}

/** Checks that an existing mailbox is a plain file that is safe to append to. */
function checkMailbox(path: string, info: Deno.FileInfo): void {
  if (info.isSymlink) throw wrongType(path, "it is a symbolic link");
  if (!info.isFile) throw wrongType(path, "it is not a regular file");
  if ((info.nlink ?? 1) > 1) {
    throw wrongType(path, `it has ${info.nlink} hard links`);
  }
}

/** Opens the mailbox for appending, creating it if missing. */
async function openMailbox(
  path: string,
  owner: MailboxOwner | undefined,
): Promise<Deno.FsFile> {
  try {
    const file = await Deno.open(path, {
      append: true,
      createNew: true,
      mode: 0o600,
    });
    try {
      if (owner) await Deno.chown(path, owner.uid, owner.gid);
    } catch (error) {
      file.close();
      throw error;
    }
    return file;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const before = await Deno.lstat(path);
  checkMailbox(path, before);
  const file = await Deno.open(path, { append: true });
  const opened = await file.stat();
  if (opened.ino !== before.ino || opened.dev !== before.dev) {
    file.close();
    throw new DeliveryError(
      `cannot update mailbox "${path}": it was replaced while being opened`,
      true,
      "4.2.0",
    );
  }
  return file;
}

/** Truncates back to `size` after a failed append. */
async function rollBack(
  path: string,
  file: Deno.FsFile,
  size: number,
): Promise<void> {
  try {
    await file.truncate(size);
    await file.sync();
  } catch (error) {
    maillog("local").error(
      `cannot truncate mailbox "${path}" back to ${size} bytes after a failed delivery: ${
        reasonOf(error)
      }`,
    );
  }
}

/**
 * Appends `message` to the mbox file at `path`.
 * @throws DeliveryError temporary or permanent, see `mailbox_error.ts`
 */
export async function deliverToMbox(
  path: string,
  message: DeliveryMessage,
  options: MboxOptions = {},
): Promise<void> {
  const action = `cannot update mailbox "${path}"`;
  let file: Deno.FsFile;
  try {
    file = await openMailbox(path, options.owner);
  } catch (error) {
    throw mailboxError(error, action);
  }
  try {
    await withMailboxLock(path, file, async () => {
      // A POP3 session may have rewritten (renamed over) the mbox while we
      // waited for its lock: then this handle is the old file, and an
      // append would be lost. Retry later instead.
      const [named, opened] = await Promise.all([
        Deno.lstat(path).catch(() => undefined),
        file.stat(),
      ]);
      if (named?.ino !== opened.ino || named?.dev !== opened.dev) {
        throw new DeliveryError(
          `${action}: it was replaced while waiting for its lock`,
          true,
          "4.2.0",
        );
      }
      const size = opened.size;
      const clock = options.clock ?? Date.now;
      const from = new TextEncoder().encode(
        mboxFromLine(message.sender, clock()),
      );
      const headers = deliveryHeaders(message);
      const sizeBefore = size + from.length + headers.length;
      const limit = options.sizeLimit;
      try {
        // The content only grows in mboxrd form: refuse what cannot fit.
        refuseOverLimit(limit, sizeBefore + message.size);
      } catch (error) {
        throw mailboxError(error, action);
      }
      try {
        writeAllSync(file, from);
        writeAllSync(file, headers);
        await copyContent(message, file, mboxrdEncoder(), {
          limit,
          sizeBefore,
        });
        await file.sync();
      } catch (error) {
        await rollBack(path, file, size);
        throw mailboxError(error, action);
      }
    }, options.lock);
  } finally {
    file.close();
  }
}
