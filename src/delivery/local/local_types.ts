/**
 * Shared types of local delivery (Postfix local(8)): what an alias,
 * `.forward` or `:include:` expansion produces, and whose privileges a
 * command or file delivery runs with.
 *
 * The order is Postfix's (local/recipient.c): aliases, then the user's
 * `.forward`, then `:include:` members, then the mailbox. Expansion is
 * pure bookkeeping over lookups and files; the agents (pipe, file,
 * mailbox) and the resubmission of forwarded addresses do the delivery.
 */

import type { DeliveryError } from "../types.ts";

/** Where a target was written; decides allow_mail_to_commands/files. */
export type TargetSource = "alias" | "forward" | "include";

/**
 * The user a command or file delivery runs as. mailsrv never runs one as
 * root: root's targets get `default_privs` (Postfix).
 */
export interface Privileges {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** One thing local delivery must do for a recipient after expansion. */
export type LocalTarget =
  /** Deliver to a local user's mailbox (or mailbox_command). */
  | {
    readonly kind: "mailbox";
    /** Login name (lower-case local part, extension stripped). */
    readonly user: string;
    /** Address extension after recipient_delimiter ("" if none). */
    readonly extension: string;
  }
  /** Append to a file (mbox) or a Maildir (path ends in `/`). */
  | {
    readonly kind: "file";
    readonly path: string;
    readonly source: TargetSource;
    readonly privileges: Privileges;
    /** Whose alias, `.forward` or list named it: logged as `to=`. */
    readonly recipient: string;
  }
  /** Pipe the message to a shell command. */
  | {
    readonly kind: "command";
    readonly command: string;
    readonly source: TargetSource;
    readonly privileges: Privileges;
    /** Whose alias, `.forward` or list named it: logged as `to=`. */
    readonly recipient: string;
  }
  /** Send on to another address (remote, or another local name): resubmitted. */
  | { readonly kind: "forward"; readonly address: string }
  /**
   * A member of an alias, list or `.forward` that was refused for good
   * (a restricted command or file, a bad target): it bounces alone, and
   * every other target is still delivered (Postfix).
   */
  | {
    readonly kind: "refused";
    /** Logged as `to=`: the member's address, or whose list named it. */
    readonly recipient: string;
    readonly error: DeliveryError;
  };

/** The result of expanding one local recipient. */
export interface LocalExpansion {
  readonly targets: readonly LocalTarget[];
  /**
   * Envelope sender for what the expansion delivers or forwards:
   * `owner-NAME@domain` when that alias exists (errors go to the list
   * owner), else undefined (keep the original sender).
   */
  readonly sender?: string;
}

/** Environment of a delivery command, as Postfix's local(8) sets it. */
export interface CommandEnvironment {
  readonly SENDER: string;
  readonly RECIPIENT: string;
  readonly ORIGINAL_RECIPIENT: string;
  readonly USER: string;
  readonly LOGNAME: string;
  readonly HOME: string;
  readonly SHELL: string;
  readonly LOCAL: string;
  readonly DOMAIN: string;
  readonly EXTENSION: string;
}
