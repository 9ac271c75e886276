/**
 * HELO names and domains as the reject_*_hostname checks judge them.
 *
 * DESCRIPTION
 *   `isValidHostname` follows Postfix's valid_hostname(): labels of
 *   letters, digits, `-` and `_`, not starting or ending with `-`, each
 *   at most 63 octets, 255 in all, and not all numeric. A HELO of an
 *   address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`) is judged by
 *   `isAddressLiteral` instead. `isFullyQualified`: at least one dot.
 *
 *   Used by the restriction evaluator. Pure.
 */
import { parseIpAddress } from "../ip_address.ts";

/** Whether `name` is a syntactically valid host name. */
export function isValidHostname(name: string): boolean {
  const bare = name.replace(/\.$/, "");
  if (bare === "" || bare.length > 255) return false;
  const labels = bare.split(".");
  const valid = labels.every((label) =>
    /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label)
  );
  return valid && !/^[0-9.]+$/.test(bare);
}

/** Whether `name` is `[address]` with a valid IPv4 or `IPv6:` address. */
export function isAddressLiteral(name: string): boolean {
  const match = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(name);
  return match !== null && parseIpAddress(match[1]) !== undefined;
}

/** Whether a host or domain name has a dot inside it. */
export function isFullyQualified(name: string): boolean {
  return /[^.]\.[^.]/.test(name);
}
