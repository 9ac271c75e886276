/**
 * Where the classic virtual setup keeps its files, from the configuration.
 *
 * DESCRIPTION
 *   The Postfix + vm-pop3d recipe spreads one domain over four places;
 *   this module names them from `Config`:
 *
 *   domains file   the first `hash:`/`texthash:` table in
 *                  virtual_mailbox_domains
 *   mailbox map    the first `hash:`/`texthash:` table in
 *                  virtual_mailbox_maps (`user@domain  domain/user/`)
 *   passwd file    `<pop3_passwd_directory>/<domain>/passwd`
 *   mailboxes      under `<virtual_mailbox_base>/<domain>/`
 *
 *   and looks up the owner mailboxes get (virtual_uid_maps and
 *   virtual_gid_maps, asked with the recipient address as Postfix's
 *   virtual(8) does; `@domain` for a domain's directory).
 *
 *   Used by `mailsrv domain` and `mailsrv user`. Reads the uid/gid tables.
 *
 *   Does NOT edit anything (see `atomic_write.ts`), nor understand tables
 *   other than text files for editing.
 */
import { isAbsolute, join, normalize, sep } from "node:path";
import type { Config } from "../config/types.ts";
import { openMap } from "../maps/mod.ts";
import { AdminError } from "./admin_error.ts";

/** The configuration the layout reads. */
export type LayoutPolicy = Pick<
  Config,
  | "virtual_mailbox_domains"
  | "virtual_mailbox_maps"
  | "virtual_mailbox_base"
  | "virtual_uid_maps"
  | "virtual_gid_maps"
  | "pop3_passwd_directory"
>;

/** A uid and gid pair. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

const EDITABLE = /^(?:hash|texthash):(.+)$/;

function firstTableFile(
  specs: readonly string[],
  parameter: string,
): string {
  for (const spec of specs) {
    const match = EDITABLE.exec(spec.trim());
    if (match) return match[1];
  }
  throw new AdminError(`${parameter} names no table file to edit`);
}

/** The domains file (first text table of virtual_mailbox_domains). */
export function domainsFile(policy: LayoutPolicy): string {
  return firstTableFile(
    policy.virtual_mailbox_domains,
    "virtual_mailbox_domains",
  );
}

/** The mailbox map (first text table of virtual_mailbox_maps). */
export function mailboxMapFile(policy: LayoutPolicy): string {
  return firstTableFile(policy.virtual_mailbox_maps, "virtual_mailbox_maps");
}

/** The directory holding a domain's passwd file. */
export function passwdDirectory(policy: LayoutPolicy, domain: string): string {
  return join(policy.pop3_passwd_directory, domain);
}

/** A domain's passwd file. */
export function passwdFile(policy: LayoutPolicy, domain: string): string {
  return join(passwdDirectory(policy, domain), "passwd");
}

/** The mailbox base, which must be set for mailbox work. */
export function mailboxBase(policy: LayoutPolicy): string {
  if (policy.virtual_mailbox_base === "") {
    throw new AdminError("virtual_mailbox_base is not set");
  }
  return policy.virtual_mailbox_base;
}

/**
 * The absolute path of a mailbox map value (`domain/user/`), which must
 * stay inside the base: a map line must not send `--purge` elsewhere.
 */
export function mailboxPath(policy: LayoutPolicy, mapValue: string): string {
  const base = normalize(mailboxBase(policy));
  const relative = mapValue.trim().replace(/\/+$/, "");
  const path = normalize(join(base, relative));
  if (
    relative === "" || isAbsolute(relative) ||
    !path.startsWith(base.endsWith(sep) ? base : base + sep)
  ) {
    throw new AdminError(
      `mailbox "${mapValue}" is not inside virtual_mailbox_base "${base}"`,
    );
  }
  return path;
}

async function lookupId(
  specs: readonly string[],
  key: string,
  parameter: string,
): Promise<number> {
  for (const spec of specs) {
    const value = await openMap(spec).lookup(key);
    if (value === undefined) continue;
    const id = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(id)) {
      throw new AdminError(`${parameter} gives "${value}" for "${key}"`);
    }
    return id;
  }
  throw new AdminError(`${parameter} gives no id for "${key}"`);
}

/**
 * The owner of the mailbox of `key` (an address, or `@domain`), or
 * undefined when not running as root (files then belong to the caller).
 */
export async function mailboxOwner(
  policy: LayoutPolicy,
  key: string,
): Promise<Owner | undefined> {
  if (Deno.uid() !== 0) return undefined;
  return {
    uid: await lookupId(policy.virtual_uid_maps, key, "virtual_uid_maps"),
    gid: await lookupId(policy.virtual_gid_maps, key, "virtual_gid_maps"),
  };
}
