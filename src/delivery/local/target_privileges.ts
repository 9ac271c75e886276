/**
 * Whose privileges a command or file target runs with (Postfix local(8),
 * "SECURITY").
 *
 * DESCRIPTION
 *   - a target from an alias runs as the owner of the alias table;
 *   - a target from a `.forward` runs as the user whose file it is;
 *   - a target from an `:include:` list runs as the list file's owner;
 *   - root is never used: where the owner would be root, `default_privs`
 *     is used instead.
 *
 *   default_privs is a user name (looked up in passwd) or a numeric uid.
 *   A default_privs that does not exist or is root is a configuration
 *   error: the mail is deferred (4.3.0) until it is fixed.
 *
 *   An owner uid without a passwd entry gets a numeric user name, the
 *   file's gid, and no home or shell.
 */
import type { LocalUser } from "./local_users.ts";
import type { Privileges } from "./local_types.ts";
import { DeliveryError } from "../types.ts";

/** How owners are turned into users. */
export interface PrivilegeLookups {
  /** The passwd user called `name`. */
  readonly lookupUser: (name: string) => Promise<LocalUser | undefined>;
  /** The passwd user with `uid`; when absent, owners stay numeric. */
  readonly lookupUid?: (uid: number) => Promise<LocalUser | undefined>;
}

function privilegesOf(user: LocalUser): Privileges {
  const { name, uid, gid, home, shell } = user;
  return { user: name, uid, gid, home, shell };
}

/**
 * Resolves default_privs.
 * @throws DeliveryError 4.3.0 when the user does not exist or is root
 */
export async function resolveDefaultPrivileges(
  defaultPrivs: string,
  lookups: PrivilegeLookups,
): Promise<Privileges> {
  const user = await lookups.lookupUser(defaultPrivs);
  let privileges: Privileges | undefined;
  if (user) privileges = privilegesOf(user);
  else if (/^\d{1,10}$/.test(defaultPrivs)) {
    const id = Number(defaultPrivs);
    privileges = { user: defaultPrivs, uid: id, gid: id, home: "", shell: "" };
  }
  if (!privileges) {
    throw new DeliveryError(
      `default_privs user "${defaultPrivs}" does not exist`,
      true,
      "4.3.0",
    );
  }
  if (privileges.uid === 0) {
    throw new DeliveryError(
      `default_privs user "${defaultPrivs}" is root`,
      true,
      "4.3.0",
    );
  }
  return privileges;
}

/**
 * The privileges of a file's owner; root's are `defaults`.
 * @param defaults resolves default_privs (called only for root)
 */
export async function ownerPrivileges(
  owner: { readonly uid: number; readonly gid: number },
  lookups: PrivilegeLookups,
  defaults: () => Promise<Privileges>,
): Promise<Privileges> {
  if (owner.uid === 0) return await defaults();
  const user = await lookups.lookupUid?.(owner.uid);
  if (user) return privilegesOf(user);
  return {
    user: String(owner.uid),
    uid: owner.uid,
    gid: owner.gid,
    home: "",
    shell: "",
  };
}

/** The privileges of a `.forward`'s user; root's are `defaults`. */
export async function userPrivileges(
  user: LocalUser,
  defaults: () => Promise<Privileges>,
): Promise<Privileges> {
  return user.uid === 0 ? await defaults() : privilegesOf(user);
}
