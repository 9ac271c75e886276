/**
 * The last step of local delivery: a user's mailbox.
 *
 * DESCRIPTION
 *   For a `mailbox` target (an alias, `.forward` or plain recipient that
 *   ended at a user), as Postfix's local(8) does it:
 *
 *   - `postmaster` with no such user is `root`'s mailbox (sites alias
 *     postmaster to root);
 *   - with `mailbox_command` set and the user in passwd, the command (e.g.
 *     procmail) gets the message, run as the user — as `default_privs`
 *     for root — with Postfix's environment; it decides where mail goes;
 *   - otherwise mailsrv writes the mailbox chosen by `mailbox_location.ts`
 *     (home_mailbox for system users, else the spool; a trailing `/` means
 *     Maildir), creating the spool directory the first time; when mailsrv
 *     runs as root, files it creates belong to the user. A mailbox the
 *     guard refuses (`layout/mailbox_guard.ts`: it would be, hold or sit
 *     inside a password file, table, the configuration or the queue, or
 *     has a reserved name such as `passwd`) is deferred 4.3.5.
 */
import type { Config } from "../../config/types.ts";
import { checkMailbox } from "../../layout/mod.ts";
import type { MapCache } from "../../maps/mod.ts";
import { deliverToCommand } from "../targets/command.ts";
import type { MboxLockOptions } from "../mailbox/lock.ts";
import type { CommandEnvironment, Privileges } from "./local_types.ts";
import { type LocalUser, lookupLocalUser } from "./local_users.ts";
import { reasonOf } from "../mailbox_error.ts";
import { type MailboxLocation, mailboxLocation } from "./mailbox_location.ts";
import { mailboxLimit } from "../mailbox_limit.ts";
import { type MailboxOwner, writeToMaildir } from "../mailbox/maildir.ts";
import { deliverToMbox } from "../mailbox/mbox.ts";
import { userPrivileges } from "./target_privileges.ts";
import { DeliveryError, type DeliveryMessage } from "../types.ts";

/** The passwd table local delivery reads. */
export const PASSWD_TABLE = "unix:passwd.byname";

/** What mailbox delivery needs besides the message. */
export interface MailboxDelivery {
  readonly config: Config;
  readonly maps: MapCache;
  /** default_privs, resolved when first needed. */
  readonly defaultPrivileges: () => Promise<Privileges>;
  /** Postfix's command environment for this recipient (USER etc. set here). */
  readonly environment: Omit<
    CommandEnvironment,
    "USER" | "LOGNAME" | "HOME" | "SHELL"
  >;
  readonly lock?: MboxLockOptions;
  readonly clock?: () => number;
  /** This process's uid (default `Deno.uid()`); 0 means chown to users. */
  readonly uid?: number | null;
  /**
   * Takes a Maildir message once it is in new/, to make it durable later
   * (`MaildirWrite.sync`); absent, that is done before the delivery
   * returns.
   */
  readonly syncLater?: (sync: () => Promise<unknown>) => void;
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
  delivery: MailboxDelivery,
): Promise<string> {
  // Running as root: what delivery creates belongs to the user.
  const uid = delivery.uid === undefined ? Deno.uid() : delivery.uid;
  const owner: MailboxOwner | undefined = uid === 0 && account
    ? { uid: account.uid, gid: account.gid }
    : undefined;
  const spool = location.spoolDirectory;
  if (spool) await makeSpoolDirectory(spool);
  const sizeLimit = mailboxLimit(
    "mailbox_size_limit",
    delivery.config.mailbox_size_limit,
  );
  // Perhaps the spool is gone: check it again on the next attempt.
  const forgetSpool = (error: unknown): never => {
    if (spool) knownSpools.delete(spool);
    throw error;
  };
  try {
    if (location.format === "maildir") {
      const written = await writeToMaildir(location.path, message, {
        hostname: delivery.config.myhostname,
        owner,
        clock: delivery.clock,
        sizeLimit,
      });
      const sync = () => written.sync().catch(forgetSpool);
      if (delivery.syncLater) delivery.syncLater(sync);
      else await sync();
      return "delivered to maildir";
    }
    await deliverToMbox(location.path, message, {
      owner,
      lock: delivery.lock,
      clock: delivery.clock,
      sizeLimit,
    });
    return "delivered to mailbox";
  } catch (error) {
    return forgetSpool(error);
  }
}

/**
 * Delivers `message` to the mailbox of local user `user`.
 * @returns the maillog reason (`delivered to maildir`, `… to command: X`)
 * @throws DeliveryError temporary or permanent
 */
export async function deliverToMailbox(
  user: string,
  message: DeliveryMessage,
  delivery: MailboxDelivery,
): Promise<string> {
  const { config } = delivery;
  const { name, account } = await mailboxUser(user, delivery.maps);
  if (config.mailbox_command && account) {
    const privileges = await userPrivileges(
      account,
      delivery.defaultPrivileges,
    );
    await deliverToCommand(config.mailbox_command, message, {
      environment: {
        ...delivery.environment,
        USER: account.name,
        LOGNAME: account.name,
        HOME: account.home,
        SHELL: account.shell,
      },
      privileges,
      shell: config.local_command_shell,
      timeLimitSeconds: config.command_time_limit,
      clock: delivery.clock,
      uid: delivery.uid,
      passwd: delivery.maps.open(PASSWD_TABLE),
    });
    return `delivered to command: ${config.mailbox_command}`;
  }
  const location = mailboxLocation(name, account, config);
  const refusal = await checkMailbox(config, location, "local");
  if (refusal) throw new DeliveryError(refusal.reason, true, "4.3.5");
  return await writeMailbox(location, account, message, delivery);
}
