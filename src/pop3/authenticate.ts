/**
 * POP3 authentication of virtual users, as vm-pop3d does it.
 *
 * DESCRIPTION
 *   `createAuthenticator` gives the POP3 server its `Authenticate`:
 *
 *   1-2. the login and password are checked as src/auth/virtual_login.ts
 *      does (vm-pop3d's per-domain passwd files; smtpd's SMTP AUTH
 *      shares it);
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
import type { AddressResolver } from "../resolve/address_resolver.ts";
import type { Pop3PasswdFiles } from "../auth/passwd_file.ts";
import { createVirtualLogin } from "../auth/virtual_login.ts";
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
  const check = createVirtualLogin({ ...options, maps });
  return async (login, password) => {
    const current = config();
    const user = await check(login, password, current);
    if (user === undefined) return undefined;
    return await accountOf(login, user.user, user.domain, current, maps);
  };
}
