/**
 * Where a local user's mailbox is, and in which format.
 *
 * DESCRIPTION
 *   Postfix's local(8) rules, without aliases and .forward:
 *
 *   - a user of the passwd table, with `home_mailbox` set, gets
 *     `<home>/<home_mailbox>`;
 *   - anyone else gets `<mail_spool_directory>/<user>`;
 *   - a path ending in `/` is a Maildir, otherwise an mbox file
 *     (Postfix's virtual(8) convention, also used by local(8)).
 *
 *   The user name must already be checked with `isSafeLocalPart`; the
 *   spool path is checked once more to stay inside the spool directory.
 *   Pure: no file system access.
 */
import { basename, dirname, join, resolve } from "node:path";
import type { Config } from "../../config/types.ts";
import type { LocalUser } from "./local_users.ts";

/** A mailbox path and its format. */
export interface MailboxLocation {
  readonly format: "maildir" | "mbox";
  /** The mbox file, or the Maildir directory (without trailing `/`). */
  readonly path: string;
  /** The spool directory the mailbox is in; absent for home mailboxes. */
  readonly spoolDirectory?: string;
}

/**
 * Chooses the mailbox of `user`.
 * @param user the safe, lower-cased user name (extension removed)
 * @param account the passwd entry, when `user` is a system user
 * @throws Error when `user` would leave the spool directory (a caller bug)
 */
export function mailboxLocation(
  user: string,
  account: LocalUser | undefined,
  config: Pick<Config, "home_mailbox" | "mail_spool_directory">,
): MailboxLocation {
  const formatOf = (path: string) => path.endsWith("/") ? "maildir" : "mbox";
  if (account && config.home_mailbox !== "") {
    return {
      format: formatOf(config.home_mailbox),
      path: join(account.home, config.home_mailbox).replace(/(.)\/+$/, "$1"),
    };
  }
  const spool = config.mail_spool_directory;
  const path = join(spool, user);
  if (dirname(resolve(path)) !== resolve(spool) || basename(path) !== user) {
    throw new Error(`unsafe mailbox name "${user}" in "${spool}"`);
  }
  return { format: formatOf(spool), path, spoolDirectory: spool };
}
