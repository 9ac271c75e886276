/**
 * inet_protocols: which address families mailsrv uses.
 *
 * DESCRIPTION
 *   Postfix's inet_protocols is `ipv4`, `ipv6` or `all` (the default);
 *   it decides which addresses the servers listen on and which address
 *   records the SMTP client looks up and connects to. The value type is
 *   the resolver's `InetProtocols` (`../dns/mx.ts`), so the parameter
 *   row, the resolver and the outbound code agree.
 *
 *   - `addressRecordTypes`: the DNS records to ask for a host's
 *     addresses (A, AAAA or both, A first as Postfix tries IPv4 first
 *     with `all`);
 *   - `familyOfAddress`, `allowsAddress`: whether an address (a
 *     listener's, an inet_interfaces entry, a relayhost `[literal]`, an
 *     MX host's) may be used.
 *
 *   Used by the config loader (listeners, inet_interfaces) and by
 *   outbound delivery (lookups, connections). Pure.
 *
 *   Does NOT decide which socket to bind for `all` (`listeners.ts`).
 */
import type { InetProtocols } from "../dns/mx.ts";

export type { InetProtocols };

/** The values inet_protocols may have. */
export const INET_PROTOCOLS = Object.freeze(
  ["all", "ipv4", "ipv6"] as const satisfies readonly InetProtocols[],
);

/** An address family, as inet_protocols names it. */
export type AddressFamily = "ipv4" | "ipv6";

/** The address families `protocols` allows, IPv4 first. */
export function addressFamilies(
  protocols: InetProtocols,
): readonly AddressFamily[] {
  return protocols === "all" ? ["ipv4", "ipv6"] : [protocols];
}

/** The DNS record types to look up for a host's addresses. */
export function addressRecordTypes(
  protocols: InetProtocols,
): readonly ("A" | "AAAA")[] {
  return addressFamilies(protocols).map((family) =>
    family === "ipv4" ? "A" : "AAAA"
  );
}

/** The family of an IP address (IPv6 notation, `::ffff:…` too, is ipv6). */
export function familyOfAddress(address: string): AddressFamily {
  return address.includes(":") ? "ipv6" : "ipv4";
}

/** Whether `protocols` allows the IP address `address`. */
export function allowsAddress(
  protocols: InetProtocols,
  address: string,
): boolean {
  return addressFamilies(protocols).includes(familyOfAddress(address));
}

/**
 * Why `address` may not be used under `protocols`, or undefined when it
 * may: `"::1" is an IPv6 address, but inet_protocols = ipv4`.
 */
export function refusedAddress(
  protocols: InetProtocols,
  address: string,
): string | undefined {
  if (allowsAddress(protocols, address)) return undefined;
  const family = familyOfAddress(address) === "ipv4" ? "IPv4" : "IPv6";
  return `"${address}" is an ${family} address, but inet_protocols = ` +
    `${protocols}`;
}
