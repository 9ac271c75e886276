/**
 * Local users: the accounts of the passwd table.
 *
 * DESCRIPTION
 *   The local delivery agent asks, as Postfix's local(8) asks getpwnam(3),
 *   whether a recipient is a user of this system, and if so for the home
 *   directory (for `home_mailbox`) and the uid and gid (to own the files a
 *   root-run delivery creates).
 *
 *   The answer comes from the `unix:passwd.byname` table, so it follows
 *   changes to the file without a restart. Pass an open table to share it
 *   (the delivery router does); otherwise one is opened for the call.
 *   Names are matched as the table matches them (folded to lower case).
 */
import {
  type LookupTable,
  type MapOptions,
  openMap,
  parsePasswdLine,
} from "../../maps/mod.ts";

/** A user of this system. */
export interface LocalUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** Where to look users up. */
export interface LocalUserOptions extends MapOptions {
  /** An open `unix:passwd.byname` table to use instead of opening one. */
  readonly passwd?: LookupTable;
}

/**
 * Finds the user called `name`.
 * @returns the user, or undefined when there is none
 * @throws LookupTableError when the passwd file cannot be read
 */
export async function lookupLocalUser(
  name: string,
  options: LocalUserOptions = {},
): Promise<LocalUser | undefined> {
  const passwd = options.passwd ?? openMap("unix:passwd.byname", options);
  const line = await passwd.lookup(name);
  const entry = line === undefined ? undefined : parsePasswdLine(line);
  if (!entry) return undefined;
  const { uid, gid, home, shell } = entry;
  return { name: entry.name, uid, gid, home, shell };
}
