/**
 * vm-pop3d login names: `user@domain` and its older spellings.
 *
 * DESCRIPTION
 *   The POP3 server's authenticator reads a login as vm-pop3d does: the
 *   user and the virtual domain are separated by the first of `;`, `!`,
 *   `:`, `@` or `%` found after the first character (some mail clients
 *   cannot send `@` in a USER command, hence the alternatives). A
 *   separator in the first or last position separates nothing: the whole
 *   login is then the user, with no domain.
 *
 *   Both parts are folded to lower case. The user names a passwd line and
 *   the domain a directory, so both must be safe as file names: a user is
 *   refused when it could leave its directory (`isSafeLocalPart`), a
 *   domain when it is not a sequence of DNS labels (`isSafeDomainName`).
 *
 *   Pure; this module does not look anything up.
 */
import { isSafeLocalPart } from "../resolve/local_part.ts";
import { isSafeDomainName } from "../resolve/virtual_maps.ts";

/** A login split into the virtual user and domain. */
export interface LoginName {
  /** Local part, lower-cased. */
  readonly user: string;
  /** Domain, lower-cased; "" when the login names none. */
  readonly domain: string;
}

/** The characters vm-pop3d accepts between user and domain. */
export const LOGIN_SEPARATORS = ";!:@%";

/**
 * Splits `login` into user and domain.
 * @returns the parts, or undefined when either is unsafe as a file name
 */
export function splitLoginName(login: string): LoginName | undefined {
  let at = -1;
  for (let i = 1; i < login.length - 1 && at < 0; i++) {
    if (LOGIN_SEPARATORS.includes(login[i])) at = i;
  }
  const user = (at < 0 ? login : login.slice(0, at)).toLowerCase();
  const domain = at < 0 ? "" : login.slice(at + 1).toLowerCase();
  if (!isSafeLocalPart(user)) return undefined;
  if (domain !== "" && !isSafeDomainName(domain)) return undefined;
  return { user, domain };
}
