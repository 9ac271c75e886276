/**
 * smtpd's SASL password check: who may log in with SMTP AUTH.
 *
 * DESCRIPTION
 *   `createSaslAuthenticator` checks a user name and password for SMTP
 *   AUTH PLAIN and LOGIN:
 *
 *   1. when `smtpd_sasl_users_file` is set (mailsrv's own parameter;
 *      Postfix asks Cyrus or Dovecot instead) and names the user, its
 *      hash is the one verified. The file is htpasswd-style, one
 *      `name:hash` a line, any hash `htpasswd` or `mkpasswd` writes
 *      (`common/password_hash.ts`); names match case-insensitively and
 *      may be `alice` or `alice@example.com`;
 *   2. otherwise the name is a virtual user's login, checked against the
 *      per-domain passwd files as pop3d checks it (`virtual_login.ts`),
 *      so the same password reads mail and sends it.
 *
 *   The answer is the SASL user name as smtpd logs it (`sasl_username=`)
 *   and as `smtpd_sender_login_maps` owners are written: the name from
 *   the users file, or `user@domain` for a virtual user, lower-cased.
 *
 *   Used by the auth thread (master/auth_worker.ts), which answers smtpd's
 *   checks. Needs --allow-read for the files.
 *
 * SECURITY
 *   An unknown name costs one verification against a dummy hash, as a
 *   wrong password does. An unreadable file or table throws (smtpd
 *   answers 454 4.7.0, a temporary failure).
 *
 *   Does NOT delay or count failures (`failed_logins.ts`), and does NOT
 *   keep plaintext secrets (no CRAM-MD5).
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import type { MapOptions } from "../maps/mod.ts";
import { type WatchedFile, watchFile } from "../maps/watched_file.ts";
import { verifyPassword } from "../common/password_hash.ts";
import { parsePop3Passwd } from "./passwd_file.ts";
import {
  createVirtualLogin,
  type VirtualLoginOptions,
} from "./virtual_login.ts";

/** The parameters the check reads. */
export type SaslConfig = Config;

/** Checks a SASL user name and password; the logged name, or undefined. */
export type SaslAuthenticate = (
  username: string,
  password: string,
  config: SaslConfig,
) => Promise<string | undefined>;

/** Creates smtpd's password check. */
export function createSaslAuthenticator(
  options: VirtualLoginOptions & { readonly mapOptions?: MapOptions } = {},
): SaslAuthenticate {
  const virtual = createVirtualLogin(options);
  const files = new Map<string, WatchedFile<ReadonlyMap<string, string>>>();
  const log = options.mapOptions?.log ?? maillog("smtpd");
  const clock = options.mapOptions?.clock ?? Date.now;
  const usersFile = (path: string) => {
    let file = files.get(path);
    if (!file) {
      file = watchFile(path, (text) => {
        const parsed = parsePop3Passwd(text, path);
        for (const warning of parsed.warnings) log.warning(warning);
        return parsed.hashes;
      }, { spec: path, clock, log });
      files.set(path, file);
    }
    return file;
  };
  return async (username, password, config) => {
    const name = username.toLowerCase();
    const path = config.smtpd_sasl_users_file;
    if (path !== "") {
      const hash = (await usersFile(path).current()).get(name);
      if (hash !== undefined) {
        return await verifyPassword(password, hash) ? name : undefined;
      }
    }
    const user = await virtual(username, password, config);
    return user && `${user.user}@${user.domain}`;
  };
}
