/**
 * The table lookups of routing: relay_domains, transport_maps and
 * sender_dependent_relayhost_maps.
 *
 * DESCRIPTION
 *   What the pure decision (`resolve_address.ts`, `routing.ts`) is told
 *   by the resolver with tables:
 *
 *   relay_domains
 *     A domain-list parameter (`domain_list.ts`) whose names also match
 *     their subdomains, as relay_domains is in Postfix's default
 *     parent_domain_matches_subdomains.
 *
 *   transport_maps
 *     The first entry found, keys in transport(5) order
 *     (`transport_table.ts`), each key in every table before the next.
 *
 *   sender_dependent_relayhost_maps
 *     Keys: the sender address, the address without its extension, then
 *     `@domain`; the null sender is looked up as `<>` (Postfix's
 *     empty_address_relayhost_maps_lookup_key). The first entry found
 *     decides; `DUNNO` (or an empty value) means "keep relayhost".
 *
 *   Tables are opened through the caller's map cache and follow their
 *   files; nothing is looked up when the parameter is empty.
 *
 * DIAGNOSTICS
 *   A table that cannot be read throws LookupTableError; callers defer
 *   (4.3.0) or answer 451.
 */
import type { Config } from "../config/types.ts";
import type { LookupTable, MapCache } from "../maps/mod.ts";
import type { DomainLists } from "./domain_list.ts";
import { type TransportEntry, transportLookupKeys } from "./transport_table.ts";
import { virtualLookupKeys } from "./virtual_maps.ts";

/** The configuration the lookups read. */
export type RoutingTablesConfig = Pick<
  Config,
  | "relay_domains"
  | "transport_maps"
  | "sender_dependent_relayhost_maps"
  | "recipient_delimiter"
>;

/** The routing lookups over one map cache. */
export interface RoutingLookups {
  /**
   * True when `domain` (folded) or a parent domain is in relay_domains.
   * @throws LookupTableError when a list or table cannot be read
   */
  isRelayDomain(domain: string, config: RoutingTablesConfig): Promise<boolean>;
  /**
   * The transport_maps entry for an address in canonical form, if any.
   * @param localPart unquoted
   * @param domain folded
   * @throws LookupTableError when a table cannot be read
   */
  transportEntry(
    localPart: string,
    domain: string,
    config: RoutingTablesConfig,
  ): Promise<TransportEntry | undefined>;
  /**
   * The relayhost sender_dependent_relayhost_maps gives `sender`, if any.
   * @param sender the envelope sender ("" for the null sender)
   * @throws LookupTableError when a table cannot be read
   */
  senderRelayhost(
    sender: string,
    config: RoutingTablesConfig,
  ): Promise<string | undefined>;
}

/**
 * The sender_dependent_relayhost_maps keys of a sender (qualified, as the
 * queue holds it), in order: the keys of every address table.
 */
export function senderRelayhostKeys(
  sender: string,
  delimiters: string,
): readonly string[] {
  return sender === "" ? ["<>"] : virtualLookupKeys(sender, delimiters);
}

/** The first entry any of `tables` has for any of `keys` (keys first). */
async function firstEntry(
  tables: readonly LookupTable[],
  keys: readonly string[],
): Promise<TransportEntry | undefined> {
  for (const key of keys) {
    for (const table of tables) {
      const value = await table.lookup(key);
      if (value !== undefined) return { key, value: value.trim() };
    }
  }
  return undefined;
}

/** Creates the routing lookups over the caller's tables and lists. */
export function createRoutingLookups(
  tables: MapCache,
  domainLists: DomainLists,
): RoutingLookups {
  const open = (specs: readonly string[]) => specs.map((s) => tables.open(s));
  return {
    isRelayDomain(domain, config) {
      if (config.relay_domains.length === 0) return Promise.resolve(false);
      return domainLists.matches(config.relay_domains, domain, {
        parents: true,
      });
    },
    async transportEntry(localPart, domain, config) {
      if (config.transport_maps.length === 0) return undefined;
      return await firstEntry(
        open(config.transport_maps),
        transportLookupKeys(localPart, domain, config.recipient_delimiter),
      );
    },
    async senderRelayhost(sender, config) {
      const maps = config.sender_dependent_relayhost_maps;
      if (maps.length === 0) return undefined;
      const entry = await firstEntry(
        open(maps),
        senderRelayhostKeys(sender, config.recipient_delimiter),
      );
      if (entry === undefined || /^(dunno)?$/i.test(entry.value)) {
        return undefined;
      }
      return entry.value;
    },
  };
}
