/**
 * Routes a message to the delivery agent for its recipient.
 *
 * DESCRIPTION
 *   The queue manager's view of transports (Postfix's trivial-rewrite
 *   resolve step plus the transport table, reduced to what exists now):
 *
 *     domain in mydestination (or no domain)  → local delivery agent
 *     domain in virtual_mailbox_domains       → virtual delivery agent
 *     anything else                           → deferred 4.4.1
 *
 *   Outbound SMTP does not exist yet, so mail accepted for other domains
 *   waits in the queue ("delivery temporarily suspended") instead of being
 *   bounced; it goes out once a relay transport is added here. Virtual
 *   domains, relay_domains and transport maps will also be decided here.
 *
 *   The router owns the lookup tables its agents use (opened once, then
 *   following their files) and reads the configuration at every message,
 *   so a reloaded configuration applies to the next delivery.
 */
import type { Config } from "../config/types.ts";
import { createAliasTableCache } from "../maps/alias_table.ts";
import { createMapCache, LookupTableError } from "../maps/mod.ts";
import { deliverLocal, type LocalDeliveryOptions } from "./local.ts";
import { domainOf } from "../resolve/local_part.ts";
import type { DeliveryMessage, DeliveryResult } from "./types.ts";
import { deliverVirtual } from "./virtual.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";

/** Options for `createRouter`: those of the local agent, minus the tables. */
export type RouterOptions = Omit<LocalDeliveryOptions, "maps" | "aliasTables">;

/** Delivers one message to one recipient, by whatever agent applies. */
export type Router = (message: DeliveryMessage) => Promise<DeliveryResult>;

const NO_TRANSPORT: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.4.1",
  reason: "delivery temporarily suspended: no outbound transport yet",
  relay: "none",
};

const TABLE_FAILURE: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.3.0",
  reason: "",
  relay: "none",
};

/**
 * True when `address` belongs to a local domain (`mydestination`); an
 * address without a domain is local.
 */
export function isLocalDomain(
  address: string,
  config: Pick<Config, "mydestination">,
): boolean {
  const domain = domainOf(address);
  return domain === "" || config.mydestination.includes(domain);
}

/**
 * Creates the router.
 * @param config the current configuration (read for every message)
 */
export function createRouter(
  config: () => Config,
  options: RouterOptions = {},
): Router {
  const maps = createMapCache(options.mapOptions);
  const aliasTables = createAliasTableCache({
    clock: options.mapOptions?.clock,
  });
  const virtualMaps = createVirtualMaps({
    tables: maps,
    mapOptions: options.mapOptions,
  });
  return async (message) => {
    const current = config();
    const local = (target: DeliveryMessage) =>
      deliverLocal(target, current, { ...options, maps, aliasTables });
    if (isLocalDomain(message.recipient, current)) return local(message);
    let virtual: boolean;
    try {
      virtual = await virtualMaps.isVirtualDomain(
        domainOf(message.recipient),
        current,
      );
    } catch (error) {
      if (!(error instanceof LookupTableError)) throw error;
      return { ...TABLE_FAILURE, reason: error.message };
    }
    if (!virtual) return NO_TRANSPORT;
    return deliverVirtual(message, current, {
      ...options,
      maps: virtualMaps,
      deliverLocal: local,
    });
  };
}
