/**
 * POP3 authentication of virtual users, as vm-pop3d does it.
 *
 * DESCRIPTION
 *   `createAuthenticator` gives the POP3 server its `Authenticate`:
 *
 *   1. the login is split into user and domain (`login_name.ts`); a
 *      domain is required, and the address resolver (src/resolve/) must
 *      find `user@domain` virtual (so a domain also in mydestination,
 *      which is local for delivery, has no POP3 users either);
 *   2. the user's hash comes from `<pop3_passwd_directory>/<domain>/passwd`
 *      (`passwd_file.ts`) and the password is verified against it
 *      (`password_hash.ts`);
 *   3. the mailbox is the one virtual delivery writes: virtual_mailbox_maps
 *      for `user@domain` (or the domain's catch-all), under
 *      virtual_mailbox_base, refused if it could leave the base or the
 *      mailbox guard refuses it (`layout/mailbox_guard.ts`: a session
 *      could read and rewrite a password file or table); the owner comes
 *      from virtual_uid_maps and virtual_gid_maps when they are set.
 *
 * SECURITY
 *   A wrong password, an unknown user, an unknown domain and a malformed
 *   login all resolve to undefined and cost one password verification
 *   each (an unknown user is checked against a dummy bcrypt hash), so
 *   neither the answer nor its timing tells which part was wrong.
 *
 *   Failures that are not the client's (an unreadable passwd file or
 *   table, a user without a usable mailbox, a uid below
 *   virtual_minimum_uid) throw, so the session answers `-ERR [SYS/TEMP]`.
 *
 *   This module does not delay failed logins or count them; the session
 *   does (pop3_failed_login_delay, pop3_max_failed_logins).
 */
import type { Config } from "../config/types.ts";
import { checkMailbox } from "../layout/mod.ts";
import {
  createVirtualMaps,
  type VirtualMaps,
} from "../resolve/virtual_maps.ts";
import type { MapOptions } from "../maps/mod.ts";
import {
  type AddressResolver,
  createAddressResolver,
} from "../resolve/address_resolver.ts";
import { splitLoginName } from "./login_name.ts";
import { createPop3PasswdFiles, type Pop3PasswdFiles } from "./passwd_file.ts";
import {
  DUMMY_PASSWORD_HASH,
  verifyPassword,
} from "../common/password_hash.ts";
import type { Authenticate, Pop3Account } from "./types.ts";

/** Options for `createAuthenticator`. */
export interface AuthenticatorOptions {
  /** Virtual tables to share; a new set when absent. */
  readonly maps?: VirtualMaps;
  /** The address resolver to share; one over `maps` when absent. */
  readonly resolve?: AddressResolver;
  /** Passwd files to share; a new cache when absent. */
  readonly passwdFiles?: Pop3PasswdFiles;
  /** Options for tables and files opened here. */
  readonly mapOptions?: MapOptions;
}

/** The hash to verify against: the user's, or the dummy when unknown. */
async function hashFor(
  login: string,
  config: Config,
  resolve: AddressResolver,
  passwdFiles: Pop3PasswdFiles,
): Promise<{ hash: string; user: string; domain: string } | undefined> {
  const name = splitLoginName(login);
  if (!name || name.domain === "") return undefined;
  const resolved = await resolve(`${name.user}@${name.domain}`, config);
  if (resolved.addressClass !== "virtual") return undefined;
  const hash = await passwdFiles.find(
    config.pop3_passwd_directory,
    name.domain,
    name.user,
  );
  return hash === undefined ? undefined : { hash, ...name };
}

/** The account of an authenticated user. */
async function accountOf(
  login: string,
  user: string,
  domain: string,
  config: Config,
  maps: VirtualMaps,
): Promise<Pop3Account> {
  const address = `${user}@${domain}`;
  const found = await maps.findMailbox(address, config);
  if (found.kind !== "found") {
    throw new Error(
      found.kind === "unknown"
        ? `no mailbox for "${address}" in virtual_mailbox_maps`
        : found.reason,
    );
  }
  const refusal = await checkMailbox(config, found.mailbox, "virtual");
  if (refusal) throw new Error(refusal.reason);
  const owned = config.virtual_uid_maps.length > 0 ||
    config.virtual_gid_maps.length > 0;
  const owner = owned ? await maps.findOwner(address, config) : undefined;
  return {
    login,
    user,
    domain,
    mailbox: found.mailbox,
    uid: owner?.uid,
    gid: owner?.gid,
  };
}

/**
 * Creates the authenticator of vm-pop3d style virtual users.
 * @param config the current configuration (read at every login)
 */
export function createAuthenticator(
  config: () => Config,
  options: AuthenticatorOptions = {},
): Authenticate {
  const maps = options.maps ??
    createVirtualMaps({ mapOptions: options.mapOptions });
  const passwdFiles = options.passwdFiles ??
    createPop3PasswdFiles(options.mapOptions);
  const resolve = options.resolve ?? createAddressResolver(maps);
  return async (login, password) => {
    const current = config();
    const entry = await hashFor(login, current, resolve, passwdFiles);
    const verified = await verifyPassword(
      password,
      entry?.hash ?? DUMMY_PASSWORD_HASH,
    );
    if (!entry || !verified) return undefined;
    return await accountOf(login, entry.user, entry.domain, current, maps);
  };
}
