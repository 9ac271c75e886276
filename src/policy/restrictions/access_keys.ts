/**
 * The keys an access(5) table is asked, in Postfix's order.
 *
 * DESCRIPTION
 *   check_client_access   the client host name, its parent domains, then
 *                         the client address and the networks made by
 *                         dropping its last octets (IPv4: 1.2.3.4, 1.2.3,
 *                         1.2, 1) or groups (IPv6, as written: 2001:db8:1,
 *                         2001:db8, 2001)
 *   check_helo_access     the HELO name and its parent domains
 *   check_sender_access,  the address (`user@domain`), the domain and its
 *   check_recipient_access  parents, then `user@`; the null sender is `<>`
 *
 *   Parent domains are the bare parents (`example.com` matches
 *   `mail.example.com`) when `parent_domain_matches_subdomains` lists
 *   `smtpd_access_maps`, as Postfix's default does; otherwise only
 *   `.example.com` keys match subdomains.
 *
 *   Used by the restriction evaluator. Pure.
 */
import { parseIpAddress } from "../ip_address.ts";

/** The keys for a domain: itself, then its parents. */
export function domainKeys(domain: string, parentMatches: boolean): string[] {
  const name = domain.toLowerCase().replace(/\.$/, "");
  if (name === "") return [];
  const keys = [name];
  let at = name.indexOf(".");
  while (at !== -1) {
    keys.push(parentMatches ? name.slice(at + 1) : name.slice(at));
    at = name.indexOf(".", at + 1);
  }
  return keys.filter((key) => key !== "" && key !== ".");
}

/** The keys for a client address: the address, then shorter networks. */
export function addressKeys(address: string): string[] {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return [];
  const separator = parsed.family === 4 ? "." : ":";
  const parts = parsed.text.split(separator);
  const keys: string[] = [];
  for (let n = parts.length; n > 0; n--) {
    const key = parts.slice(0, n).join(separator).replace(/:+$/, "");
    if (key !== "" && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The keys for a client: host name and parents, then address and networks. */
export function clientKeys(
  name: string,
  address: string,
  parentMatches: boolean,
): string[] {
  const names = name === "unknown" ? [] : domainKeys(name, parentMatches);
  return [...names, ...addressKeys(address)];
}

/** The keys for an envelope address ("" is the null sender, `<>`). */
export function mailAddressKeys(
  address: string,
  parentMatches: boolean,
): string[] {
  if (address === "") return ["<>"];
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at === -1) return [lower];
  const keys = [lower, ...domainKeys(lower.slice(at + 1), parentMatches)];
  keys.push(lower.slice(0, at + 1));
  return keys;
}
