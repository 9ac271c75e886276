/**
 * Least privilege for command and file deliveries: run them as the user.
 *
 * DESCRIPTION
 *   Postfix's local(8) switches to the recipient's uid and gid before it
 *   pipes mail into a command or appends to a file named in an alias, a
 *   `.forward` or an `:include:` list, and never does either as root:
 *   root's targets get `default_privs` instead. Deno cannot change its own
 *   uid, so mailsrv starts such a delivery through util-linux setpriv(1):
 *
 *     setpriv --reuid=UID --regid=GID --init-groups -- PROGRAM ARGS…
 *
 *   `--init-groups` gives the user's supplementary groups from the group
 *   database; it needs a passwd entry for the uid, so a user without one
 *   (a numeric default_privs, a virtual user) gets `--clear-groups`: no
 *   supplementary groups at all, the least the process can have.
 *
 *   The rules:
 *   - only a root mailsrv can switch users; an unprivileged mailsrv (the
 *     embedded default, a test run) runs every delivery as itself, which
 *     is already the least it can do;
 *   - uid 0 is refused (temporary 4.3.0, so the mail waits while the
 *     configuration is fixed): the caller must have replaced root with
 *     default_privs already;
 *   - a root mailsrv never runs a delivery without privileges to drop to.
 *
 *   This module decides who runs what; it runs nothing. It does not look
 *   users up for the caller (the expansion fills in `Privileges`).
 */
import type { LookupTable } from "../maps/mod.ts";
import type { Privileges } from "./local/local_types.ts";
import { lookupLocalUser } from "./local/local_users.ts";
import { DeliveryError } from "./types.ts";

/** Where util-linux installs setpriv(1) (Debian's /bin is /usr/bin). */
export const SETPRIV_PATHS = ["/usr/bin/setpriv", "/bin/setpriv"];

/** How supplementary groups are set: from /etc/group, or none at all. */
export type GroupsMode = "init" | "clear";

/**
 * Whether this process can switch users (runs as root).
 * @param uid this process's uid (default `Deno.uid()`; null off Unix)
 */
export function runsAsRoot(uid: number | null = Deno.uid()): boolean {
  return uid === 0;
}

/**
 * The never-root rule.
 * @throws DeliveryError 4.3.0 (temporary) for uid 0
 */
export function assertNotRoot(privileges: Privileges): void {
  if (privileges.uid === 0) {
    throw new DeliveryError(
      `refusing to deliver as root (user "${privileges.user}", uid 0): ` +
        "set default_privs to an unprivileged user",
      true,
      "4.3.0",
    );
  }
}

/** The setpriv executable on this system. */
function setprivPath(): string {
  for (const path of SETPRIV_PATHS) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here; try the next place.
    }
  }
  throw new DeliveryError(
    `cannot drop privileges: setpriv(1) not found in ${
      SETPRIV_PATHS.map((p) => `"${p}"`).join(", ")
    } (install util-linux)`,
    true,
    "4.3.0",
  );
}

/**
 * The command prefix that runs a program as `privileges`' uid and gid.
 * @param groups "clear" when the uid has no passwd entry
 * @throws DeliveryError 4.3.0 for uid 0 or a missing setpriv
 */
export function asUser(
  privileges: Privileges,
  groups: GroupsMode = "init",
): string[] {
  assertNotRoot(privileges);
  for (const id of [privileges.uid, privileges.gid]) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new DeliveryError(
        `cannot drop privileges: bad uid or gid "${id}" for user "${privileges.user}"`,
        true,
        "4.3.0",
      );
    }
  }
  return [
    setprivPath(),
    `--reuid=${privileges.uid}`,
    `--regid=${privileges.gid}`,
    groups === "init" ? "--init-groups" : "--clear-groups",
    "--",
  ];
}

/**
 * Whether setpriv can take the user's groups from the system: the user
 * name has a passwd entry with the same uid. An unreadable passwd file
 * means no groups (the safe side).
 */
export async function groupsModeOf(
  privileges: Privileges,
  passwd?: LookupTable,
): Promise<GroupsMode> {
  try {
    const user = await lookupLocalUser(privileges.user, { passwd });
    return user?.uid === privileges.uid ? "init" : "clear";
  } catch {
    return "clear";
  }
}

/** Options for `runAsPrefix`. */
export interface RunAsOptions {
  /** This process's uid (default `Deno.uid()`). */
  readonly uid?: number | null;
  /** The `unix:passwd.byname` table (default: the system's). */
  readonly passwd?: LookupTable;
}

/**
 * The prefix to put before a delivery program: setpriv when running as
 * root, nothing otherwise.
 * @throws DeliveryError 4.3.0 when root would deliver as root
 */
export async function runAsPrefix(
  privileges: Privileges | undefined,
  options: RunAsOptions = {},
): Promise<string[]> {
  if (!runsAsRoot(options.uid === undefined ? Deno.uid() : options.uid)) {
    return [];
  }
  if (!privileges) {
    throw new DeliveryError(
      "refusing to deliver as root: no user to run the delivery as",
      true,
      "4.3.0",
    );
  }
  assertNotRoot(privileges);
  return asUser(privileges, await groupsModeOf(privileges, options.passwd));
}

/**
 * The working directory of a delivery: the user's home directory when it
 * exists, else "/" (Postfix's local(8) does the same).
 */
export async function deliveryDirectory(
  privileges: Privileges | undefined,
): Promise<string> {
  if (!privileges?.home) return "/";
  try {
    return (await Deno.stat(privileges.home)).isDirectory
      ? privileges.home
      : "/";
  } catch {
    return "/";
  }
}
