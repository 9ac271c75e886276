/**
 * Names of virtual domains and users, checked before they reach a file.
 *
 * DESCRIPTION
 *   A domain or local part becomes a line in the domains file, a key in
 *   the mailbox map, a passwd(5)-style `user:hash` line and a path under
 *   `virtual_mailbox_base`, so only names safe in all four are accepted,
 *   and always in lower case (lookups fold case; files should not hold two
 *   spellings of one user):
 *
 *   domain      LDH labels (RFC 1035 section 2.3.1 as relaxed by RFC 1123
 *               section 2.1) of at most 63 octets, 253 in all; one
 *               trailing dot is dropped.
 *   local part  letters, digits and `. _ + -`, starting with a letter or
 *               digit, no `..`, at most 64 octets (RFC 5321 section
 *               4.5.3.1.1): never `/`, `:`, `@`, whitespace or a quote.
 *
 *   Pure. Does NOT accept internationalized (U-label) names or quoted
 *   local parts.
 */
import { AdminError } from "./admin_error.ts";

/** A virtual user's address, split and lower-cased. */
export interface VirtualAddress {
  readonly user: string;
  readonly domain: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const LOCAL_PART = /^[a-z0-9][a-z0-9._+-]{0,63}$/;

/**
 * The domain in its one accepted form.
 * @throws AdminError naming the value when it is not a valid domain name
 */
export function checkDomainName(raw: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, "");
  const labels = domain.split(".");
  if (
    domain.length === 0 || domain.length > 253 ||
    !labels.every((label) => LABEL.test(label)) ||
    /^\d+$/.test(labels[labels.length - 1])
  ) {
    throw new AdminError(`"${raw}" is not a valid domain name`);
  }
  return domain;
}

/**
 * The local part in its one accepted form.
 * @throws AdminError naming the value when it is not a safe local part
 */
export function checkLocalPart(raw: string): string {
  const user = raw.toLowerCase();
  if (
    !LOCAL_PART.test(user) || user.length > 64 || user.includes("..") ||
    user.endsWith(".")
  ) {
    throw new AdminError(
      `"${raw}" is not a safe local part (letters, digits and . _ + - only)`,
    );
  }
  return user;
}

/**
 * Splits `user@domain` and checks both halves.
 * @throws AdminError when the address has no `@` or a bad half
 */
export function parseVirtualAddress(raw: string): VirtualAddress {
  const at = raw.lastIndexOf("@");
  if (at <= 0 || at === raw.length - 1) {
    throw new AdminError(`"${raw}" is not an address of the form user@domain`);
  }
  return {
    user: checkLocalPart(raw.slice(0, at)),
    domain: checkDomainName(raw.slice(at + 1)),
  };
}

/** `user@domain`. */
export function formatVirtualAddress(address: VirtualAddress): string {
  return `${address.user}@${address.domain}`;
}
