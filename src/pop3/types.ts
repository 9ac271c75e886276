/**
 * Shared types of the POP3 side (issue 4): accounts, authentication, and
 * the maildrop a POP3 session works on.
 *
 * The session (RFC 1939) sees a maildrop as an immutable snapshot, locked
 * at login and listed at the first command that needs it: messages are numbered from 1, deletions are only marked, and
 * applied at QUIT (UPDATE state); the maildrop stays locked for the whole
 * session (vm-pop3d's and Postfix's dotlock protocol for mbox).
 */
import type { Config } from "../config/types.ts";
import type { MailboxPath } from "../resolve/virtual_maps.ts";
import type { MaildropListing, MaildropMessage } from "./maildrop_listing.ts";

/** Where a virtual user's mail lives (shared with virtual delivery). */
export type { MailboxPath };
export type { MaildropListing, MaildropMessage };

/** A successfully authenticated POP3 user. */
export interface Pop3Account {
  /** The login as given (`user@domain`, `user%domain`, …). */
  readonly login: string;
  /** Local part, lower-cased. */
  readonly user: string;
  /** Domain, lower-cased ("" for none). */
  readonly domain: string;
  readonly mailbox: MailboxPath;
  /** Owner of the mailbox files (virtual_uid_maps / virtual_gid_maps). */
  readonly uid?: number;
  readonly gid?: number;
}

/** The client, as the authenticator and the logs see it. */
export interface Pop3Client {
  readonly address: string;
}

/**
 * Checks a login and password; resolves to the account, or undefined for
 * a wrong login or password (the session cannot tell which: no oracle).
 * @throws Error only for failures that are not the client's (unreadable
 *   passwd file): the session answers `-ERR [SYS/TEMP]`.
 */
export type Authenticate = (
  login: string,
  password: string,
  client: Pop3Client,
) => Promise<Pop3Account | undefined>;

/**
 * One message being read, as stored (LF line ends, no mbox `From ` line).
 * Reads are synchronous: the maildrop is a local file, and a RETR of a
 * small message then costs one open, one read and one close, with no
 * hand-off to a thread pool between them.
 */
export interface MessageReader {
  /** Reads the next bytes into `buffer`; their count, or null at the end. */
  read(buffer: Uint8Array): number | null;
  /** Closes the message (idempotent). */
  close(): void;
}

/** A locked maildrop for one session. */
export interface Maildrop {
  /**
   * The snapshot: the messages, in order (POP3 message n is index n-1).
   * Taken at the first call, not at login, so a large mailbox does not
   * hold up the PASS reply; later calls give the same list.
   */
  scan(): Promise<MaildropListing>;
  /**
   * Opens message `index` of the snapshot; the session converts to CRLF
   * and byte-stuffs while sending.
   * @throws RangeError for an index outside the snapshot (or before `scan`)
   */
  retrieve(index: number): MessageReader;
  /** Removes the messages at `indexes` durably, then unlocks (QUIT). */
  commit(deleted: ReadonlySet<number>): Promise<void>;
  /** Unlocks without changes (connection lost, or QUIT in AUTHORIZATION). */
  release(): Promise<void>;
}

/** The maildrop is locked by another session or a delivery. */
export class MaildropBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MaildropBusyError";
  }
}

/** Opens (and locks) the maildrop of an authenticated account. */
export type OpenMaildrop = (account: Pop3Account) => Promise<Maildrop>;

/** What a POP3 listener needs from the rest of mailsrv. */
export interface Pop3Deps {
  readonly config: () => Config;
  readonly authenticate: Authenticate;
  readonly openMaildrop: OpenMaildrop;
  /** Called after each successful login (pop-before-smtp records it). */
  readonly loginSucceeded?: (account: Pop3Account, client: Pop3Client) => void;
  /**
   * Lets what sessions started without waiting (the pop-before-smtp
   * record) finish, for at most `limitMs`, and releases what the deps
   * hold: for a process that exits after its sessions (`pop3 --inetd`).
   */
  readonly finish?: (limitMs: number) => Promise<void>;
  /** Clock (ms) for timeouts and delays. */
  readonly now?: () => number;
}
