/**
 * The local delivery agent: mail for users of a local domain.
 *
 * DESCRIPTION
 *   Postfix's local(8), for the core case of a mailbox per user:
 *
 *   1. the local part is lower-cased and its address extension removed
 *      (`user+ext` → `user`, recipient_delimiter); unsafe local parts are
 *      bounced 5.1.3 so a mailbox path never escapes its base;
 *   2. with `local_recipient_maps` set, a recipient not in those tables is
 *      bounced `5.1.1 unknown user: "name"` (smtpd normally rejected it at
 *      RCPT already); with the maps empty, every local part has a mailbox;
 *   3. the user is looked up in the passwd table; `postmaster`, if no such
 *      user exists, is delivered to `root`'s mailbox;
 *   4. the mailbox is chosen by `mailbox_location.ts` (home_mailbox for
 *      system users, else the spool; trailing `/` means Maildir), the spool
 *      directory created if missing;
 *   5. Maildir or mbox delivery; when mailsrv runs as root, files it creates
 *      are owned by the user.
 *
 *   Aliases, `.forward` files, `:include:` lists, pipes and file
 *   destinations (Postfix's order: alias, .forward, include, mailbox) come
 *   before step 4 when they exist; this module is where they will be
 *   resolved. Recipients that are not system users are delivered with
 *   mailsrv's own identity.
 *
 *   Outcomes: sent 2.0.0 "delivered to maildir" / "delivered to mailbox",
 *   or deferred / bounced with the writer's enhanced status code. A table
 *   that cannot be read defers 4.3.0.
 */
import type { Config } from "../config/types.ts";
import {
  createMapCache,
  LookupTableError,
  type MapCache,
  type MapOptions,
} from "../maps/mod.ts";
import type { MboxLockOptions } from "./lock.ts";
import { classifyLocalRecipient } from "./local_recipient.ts";
import { type LocalUser, lookupLocalUser } from "./local_users.ts";
import { reasonOf } from "./mailbox_error.ts";
import { type MailboxLocation, mailboxLocation } from "./mailbox_location.ts";
import { deliverToMaildir, type MailboxOwner } from "./maildir.ts";
import { deliverToMbox } from "./mbox.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
} from "./types.ts";

/** Everything local delivery needs besides the message and the config. */
export interface LocalDeliveryOptions {
  /** Open tables to share (the router's); one per call when absent. */
  readonly maps?: MapCache;
  /** Options for tables opened here (tests pass a passwd file). */
  readonly mapOptions?: MapOptions;
  /** How long to wait for mbox locks. */
  readonly lock?: MboxLockOptions;
  /** Milliseconds since the epoch (mbox `From ` date, Maildir names). */
  readonly clock?: () => number;
  /** This process's uid (default `Deno.uid()`); 0 means chown to users. */
  readonly uid?: number | null;
}

const PASSWD_TABLE = "unix:passwd.byname";

function failed(error: DeliveryError): DeliveryResult {
  return {
    outcome: error.temporary ? "deferred" : "bounced",
    dsn: error.dsn,
    reason: error.message,
    relay: "local",
  };
}

/** `text` with control characters shown as `\xNN`, safe for a log line. */
function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** The passwd entry whose mailbox receives mail for `user`. */
async function mailboxUser(
  user: string,
  maps: MapCache,
): Promise<{ name: string; account?: LocalUser }> {
  const passwd = maps.open(PASSWD_TABLE);
  const account = await lookupLocalUser(user, { passwd });
  if (account || user !== "postmaster") return { name: user, account };
  return {
    name: "root",
    account: await lookupLocalUser("root", { passwd }),
  };
}

/** Spool directories this process made or found (not made again). */
const knownSpools = new Set<string>();

/**
 * Creates the spool directory (a shared directory, owned by mailsrv) the
 * first time it is needed; after a failed delivery it is checked again.
 */
async function makeSpoolDirectory(path: string): Promise<void> {
  if (knownSpools.has(path)) return;
  try {
    await Deno.mkdir(path, { recursive: true });
    knownSpools.add(path);
  } catch (error) {
    throw new DeliveryError(
      `cannot create mail spool directory "${path}": ${reasonOf(error)}`,
      true,
      "4.3.0",
    );
  }
}

/**
 * Writes `message` into the mailbox at `location`.
 * @returns the maillog reason, `delivered to maildir` or `… to mailbox`
 */
async function writeMailbox(
  location: MailboxLocation,
  account: LocalUser | undefined,
  message: DeliveryMessage,
  config: Config,
  options: LocalDeliveryOptions,
): Promise<string> {
  // Running as root: what delivery creates belongs to the user.
  const uid = options.uid === undefined ? Deno.uid() : options.uid;
  const owner: MailboxOwner | undefined = uid === 0 && account
    ? { uid: account.uid, gid: account.gid }
    : undefined;
  const spool = location.spoolDirectory;
  if (spool) await makeSpoolDirectory(spool);
  try {
    if (location.format === "maildir") {
      await deliverToMaildir(location.path, message, {
        hostname: config.myhostname,
        owner,
        clock: options.clock,
      });
      return "delivered to maildir";
    }
    await deliverToMbox(location.path, message, {
      owner,
      lock: options.lock,
      clock: options.clock,
    });
    return "delivered to mailbox";
  } catch (error) {
    // Perhaps the spool is gone: check it again on the next attempt.
    if (spool) knownSpools.delete(spool);
    throw error;
  }
}

/**
 * Delivers `message` to its recipient, a user of a local domain.
 * @param config the configuration in force for this delivery
 * @returns the outcome; never throws for mail reasons
 */
export async function deliverLocal(
  message: DeliveryMessage,
  config: Config,
  options: LocalDeliveryOptions = {},
): Promise<DeliveryResult> {
  const maps = options.maps ?? createMapCache(options.mapOptions);
  try {
    const recipient = await classifyLocalRecipient(
      message.recipient,
      config,
      maps,
    );
    if (recipient.kind === "unsafe") {
      throw new DeliveryError(
        `unsafe local part "${printable(recipient.localPart)}" refused`,
        false,
        "5.1.3",
      );
    }
    if (recipient.kind === "unknown") {
      throw new DeliveryError(
        `unknown user: "${recipient.user}"`,
        false,
        "5.1.1",
      );
    }
    const { name, account } = await mailboxUser(recipient.user, maps);
    const location = mailboxLocation(name, account, config);
    const reason = await writeMailbox(
      location,
      account,
      message,
      config,
      options,
    );
    return { outcome: "sent", dsn: "2.0.0", reason, relay: "local" };
  } catch (error) {
    if (error instanceof DeliveryError) return failed(error);
    if (error instanceof LookupTableError) {
      return failed(new DeliveryError(error.message, true, "4.3.0"));
    }
    throw error;
  }
}
