/**
 * transport_maps as Postfix's transport(5) defines it: which keys are
 * looked up, and what a value does to the transport an address would get.
 *
 * DESCRIPTION
 *   Keys, tried in this order (each in every table of transport_maps
 *   before the next key), folded to lower case:
 *
 *     user+extension@domain   the full address (with recipient_delimiter)
 *     user@domain             the address without its extension
 *     domain                  the recipient domain
 *     .parent.domain          each parent domain with a leading dot,
 *                             nearest first: `.example.com` matches every
 *                             subdomain of example.com, not example.com
 *                             itself (transport_maps is not in Postfix's
 *                             default parent_domain_matches_subdomains)
 *     *                       any address
 *
 *   Values are `transport:nexthop`:
 *
 *     smtp:[10.0.0.1]:25   that transport and nexthop
 *     :[gw.example.com]    the address's own transport, that nexthop
 *     smtp:                that transport, the recipient domain as
 *                          nexthop (not relayhost: transport(5) "resets
 *                          the nexthop information to the recipient
 *                          domain")
 *     :  (or empty)        no change: the transport the address would
 *                          have without the table
 *     local:               the local delivery agent
 *     error:5.1.1 text     bounce with that text; the status defaults to
 *                          5.0.0 (`error:` alone: "mail for DOMAIN is
 *                          undeliverable")
 *     retry:4.4.1 text     defer with that text; the status defaults to
 *                          4.0.0 (`retry:` alone: "mail for DOMAIN is
 *                          deferred")
 *     discard:text         drop the mail, logged as discarded with the
 *                          text (the recipient domain when empty)
 *     smtp                 a value without a colon names a transport
 *
 *   Whether the transport exists is decided later (`routing.ts`).
 *
 *   Pure. Does NOT consult the tables (`routing_lookups.ts` does).
 */
import { splitExtension } from "./local_part.ts";
import type { Transport } from "./resolved_address.ts";

/** A transport_maps value, split; an empty part keeps the default. */
export interface TransportValue {
  /** The transport name, or "" to keep the address's own. */
  readonly transport: string;
  /** The nexthop, or "" (see the module comment). */
  readonly nexthop: string;
}

/** The transport_maps entry that applies to an address. */
export interface TransportEntry {
  /** The key that matched (`example.com`, `.example.com`, `*`, …). */
  readonly key: string;
  /** Its value, as the table gave it. */
  readonly value: string;
}

/**
 * The transport_maps keys of an address, in lookup order.
 * @param localPart the local part, unquoted
 * @param domain the domain, folded
 * @param delimiters recipient_delimiter
 */
export function transportLookupKeys(
  localPart: string,
  domain: string,
  delimiters: string,
): string[] {
  const local = localPart.toLowerCase();
  const keys = [`${local}@${domain}`];
  const { user, extension } = splitExtension(local, delimiters);
  if (extension !== undefined) keys.push(`${user}@${domain}`);
  keys.push(domain);
  for (let dot = domain.indexOf("."); dot >= 0;) {
    keys.push(domain.slice(dot));
    dot = domain.indexOf(".", dot + 1);
  }
  keys.push("*");
  return keys;
}

/** Splits a `transport:nexthop` value at its first colon. */
export function parseTransportValue(value: string): TransportValue {
  const text = value.trim();
  const colon = text.indexOf(":");
  if (colon < 0) return { transport: text.toLowerCase(), nexthop: "" };
  return {
    transport: text.slice(0, colon).trim().toLowerCase(),
    nexthop: text.slice(colon + 1).trim(),
  };
}

/** The nexthop a transport named without one gets. */
export function defaultNexthopOf(transport: string, domain: string): string {
  switch (transport) {
    case "error":
      return `5.0.0 mail for ${domain} is undeliverable`;
    case "retry":
      return `4.0.0 mail for ${domain} is deferred`;
    default:
      return domain;
  }
}

/**
 * What a transport_maps value makes of the transport an address would
 * get without the table.
 * @param own the address's transport without transport_maps
 * @param domain the recipient domain
 */
export function applyTransportValue(
  own: Transport,
  value: string,
  domain: string,
): Transport {
  const { transport, nexthop } = parseTransportValue(value);
  if (transport === "" && nexthop === "") return own;
  if (transport === "") return { name: own.name, nexthop };
  return {
    name: transport,
    nexthop: nexthop === "" ? defaultNexthopOf(transport, domain) : nexthop,
  };
}
