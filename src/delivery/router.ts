/**
 * Routes a message to the delivery agent for its recipient.
 *
 * DESCRIPTION
 *   The queue manager's view of transports: the address resolver
 *   (src/resolve/, Postfix's trivial-rewrite) gives each recipient its
 *   class and transport, and the router runs that transport:
 *
 *     local    (domain in mydestination)            → local delivery agent
 *     virtual  (domain in virtual_mailbox_domains)  → virtual delivery agent
 *     retry    (relay, remote)                      → deferred 4.4.1
 *     none     (refused: a relay trick)             → deferred 4.4.1
 *
 *   Outbound SMTP does not exist yet, so mail accepted for other domains
 *   waits in the queue ("delivery temporarily suspended") instead of being
 *   bounced; it goes out once the resolver gives it an SMTP transport.
 *   A virtual domain table that cannot be read defers (4.3.0).
 *
 *   The router owns the lookup tables its agents use (opened once, then
 *   following their files) and reads the configuration at every message,
 *   so a reloaded configuration applies to the next delivery.
 */
import type { Config } from "../config/types.ts";
import { createAliasTableCache } from "../maps/alias_table.ts";
import { createMapCache, LookupTableError } from "../maps/mod.ts";
import { deliverLocal, type LocalDeliveryOptions } from "./local.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import {
  NO_OUTBOUND_TRANSPORT,
  type ResolvedAddress,
  statusOfNexthop,
} from "../resolve/resolved_address.ts";
import type { DeliveryMessage, DeliveryResult } from "./types.ts";
import { deliverVirtual } from "./virtual.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";

/** Options for `createRouter`: those of the local agent, minus the tables. */
export type RouterOptions = Omit<
  LocalDeliveryOptions,
  "maps" | "aliasTables" | "resolve"
>;

/** Delivers one message to one recipient, by whatever agent applies. */
export type Router = (message: DeliveryMessage) => Promise<DeliveryResult>;

const TABLE_FAILURE: DeliveryResult = {
  outcome: "deferred",
  dsn: "4.3.0",
  reason: "",
  relay: "none",
};

/**
 * The deferral of an address no agent here delivers. A refused address
 * (a relay trick: Postfix would route it to another host) waits as
 * remote mail does.
 */
function deferral(resolved: ResolvedAddress): DeliveryResult {
  const transport = resolved.transport?.name === "retry"
    ? resolved.transport
    : NO_OUTBOUND_TRANSPORT;
  const { dsn, text } = statusOfNexthop(transport.nexthop, "4.4.1");
  return { outcome: "deferred", dsn, reason: text, relay: "none" };
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
  const resolve = createAddressResolver(virtualMaps);
  return async (message) => {
    const current = config();
    const local = (target: DeliveryMessage) =>
      deliverLocal(target, current, {
        ...options,
        maps,
        aliasTables,
        resolve,
      });
    let resolved: ResolvedAddress;
    try {
      resolved = await resolve(message.recipient, current);
    } catch (error) {
      if (!(error instanceof LookupTableError)) throw error;
      return { ...TABLE_FAILURE, reason: error.message };
    }
    switch (resolved.addressClass) {
      case "local":
        return local(message);
      case "virtual":
        return deliverVirtual(message, current, {
          ...options,
          maps: virtualMaps,
          resolve,
          deliverLocal: local,
        });
      default:
        return deferral(resolved);
    }
  };
}
