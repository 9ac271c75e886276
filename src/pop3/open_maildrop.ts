/**
 * Opening a POP3 account's maildrop, whatever its format.
 *
 * DESCRIPTION
 *   `createMaildropOpener()` gives the POP3 server its `OpenMaildrop`:
 *   an mbox account gets `maildrop_mbox.ts`, a Maildir account
 *   `maildrop_maildir.ts`, both locked for the session (RFC 1939 §8).
 *   A mailbox that does not exist yet is an empty maildrop, not an error
 *   (vm-pop3d does the same): nothing has been delivered to the user.
 *
 *   One opener keeps one Maildir size cache for all its sessions.
 *   Used by the POP3 role. It does not authenticate or choose the
 *   mailbox path (`Pop3Account.mailbox` says where it is).
 */
import type { DotlockOptions } from "./mailbox_lock.ts";
import {
  type MaildirSizeCache,
  openMaildirMaildrop,
} from "./maildrop_maildir.ts";
import { EMPTY_LISTING } from "./maildrop_listing.ts";
import { openMboxMaildrop } from "./maildrop_mbox.ts";
import type { Maildrop, OpenMaildrop, Pop3Account } from "./types.ts";

/** Options for `createMaildropOpener`. */
export interface MaildropOpenerOptions {
  /** Stale-lock and refresh settings (tests inject a clock). */
  readonly lock?: DotlockOptions;
  /** mbox read size, bytes (default 64 KiB). */
  readonly chunkSize?: number;
}

/** A maildrop with no messages (the mailbox does not exist). */
export function emptyMaildrop(): Maildrop {
  return {
    scan: () => Promise.resolve(EMPTY_LISTING),
    retrieve: (index) => {
      throw new RangeError(`No message with index ${index}`);
    },
    commit: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };
}

/** The `OpenMaildrop` the POP3 server uses. */
export function createMaildropOpener(
  options: MaildropOpenerOptions = {},
): OpenMaildrop {
  const sizeCache: MaildirSizeCache = new Map();
  return async (account: Pop3Account): Promise<Maildrop> => {
    const { format, path } = account.mailbox;
    try {
      return format === "mbox"
        ? await openMboxMaildrop(path, options)
        : await openMaildirMaildrop(path, { lock: options.lock, sizeCache });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return emptyMaildrop();
      throw error;
    }
  };
}
