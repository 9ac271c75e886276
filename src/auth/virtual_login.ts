/**
 * Password checks of virtual users, as vm-pop3d does them: the part of a
 * login that pop3d and smtpd's SMTP AUTH share.
 *
 * DESCRIPTION
 *   `createVirtualLogin` gives a check of a login and password:
 *
 *   1. the login is split into user and domain (`login_name.ts`); a
 *      domain is required, and the address resolver (src/resolve/) must
 *      find `user@domain` virtual (so a domain also in mydestination,
 *      which is local for delivery, has no virtual users either);
 *   2. the user's hash comes from `<pop3_passwd_directory>/<domain>/passwd`
 *      (`passwd_file.ts`) and the password is verified against it
 *      (`common/password_hash.ts`).
 *
 *   Used by pop3d's authenticator (which then finds the mailbox) and by
 *   the SASL authenticator of smtpd's auth thread (`sasl_authenticator.ts`). Needs
 *   --allow-read for the passwd files and tables.
 *
 * SECURITY
 *   A wrong password, an unknown user, an unknown domain and a malformed
 *   login all resolve to undefined and cost one password verification
 *   each (an unknown user is checked against a dummy bcrypt hash), so
 *   neither the answer nor its timing tells which part was wrong.
 *   An unreadable passwd file or table throws.
 *
 *   Does NOT delay or count failures (`failed_logins.ts`, the sessions do).
 */
import type { Config } from "../config/types.ts";
import type { MapOptions } from "../maps/mod.ts";
import {
  createVirtualMaps,
  type VirtualMaps,
} from "../resolve/virtual_maps.ts";
import {
  type AddressResolver,
  createAddressResolver,
} from "../resolve/address_resolver.ts";
import {
  DUMMY_PASSWORD_HASH,
  verifyPassword,
} from "../common/password_hash.ts";
import { splitLoginName } from "./login_name.ts";
import { createPop3PasswdFiles, type Pop3PasswdFiles } from "./passwd_file.ts";

/** A virtual user whose password was verified. */
export interface VirtualUser {
  /** Local part, lower-cased. */
  readonly user: string;
  /** Virtual domain, lower-cased. */
  readonly domain: string;
}

/** Checks a login and password; undefined when they do not match. */
export type VirtualLogin = (
  login: string,
  password: string,
  config: Config,
) => Promise<VirtualUser | undefined>;

/** Options for `createVirtualLogin`. */
export interface VirtualLoginOptions {
  /** Virtual tables to share; a new set when absent. */
  readonly maps?: VirtualMaps;
  /** The address resolver to share; one over `maps` when absent. */
  readonly resolve?: AddressResolver;
  /** Passwd files to share; a new cache when absent. */
  readonly passwdFiles?: Pop3PasswdFiles;
  /** Options for tables and files opened here. */
  readonly mapOptions?: MapOptions;
}

/** Creates the check of virtual users' logins. */
export function createVirtualLogin(
  options: VirtualLoginOptions = {},
): VirtualLogin {
  const maps = options.maps ??
    createVirtualMaps({ mapOptions: options.mapOptions });
  const passwdFiles = options.passwdFiles ??
    createPop3PasswdFiles(options.mapOptions);
  const resolve = options.resolve ?? createAddressResolver(maps);
  return async (login, password, config) => {
    const entry = await hashFor(login, config, resolve, passwdFiles);
    const verified = await verifyPassword(
      password,
      entry?.hash ?? DUMMY_PASSWORD_HASH,
    );
    if (!entry || !verified) return undefined;
    return { user: entry.user, domain: entry.domain };
  };
}

/** The hash to verify against, or undefined for an unknown user. */
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
