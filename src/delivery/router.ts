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
 *     smtp     (relay, remote: by MX or relayhost)  → SMTP delivery agent
 *     retry    (as the nexthop says)                → deferred
 *     none     (refused: a relay trick)             → deferred 4.4.1
 *
 *   SMTP recipients of one message that share a nexthop go out in one
 *   transaction (`smtp/transaction_batcher.ts`). A table that cannot be
 *   read defers (4.3.0).
 *
 *   The router owns the lookup tables its agents use (opened once, then
 *   following their files) and reads the configuration at every message,
 *   so a reloaded configuration applies to the next delivery.
 */
import type { Config } from "../config/types.ts";
import { createAliasTableCache } from "../maps/alias_table.ts";
import { createMapCache, LookupTableError } from "../maps/mod.ts";
import { deliverLocal, type LocalDeliveryOptions } from "./local/local.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import {
  NO_OUTBOUND_TRANSPORT,
  type ResolvedAddress,
  statusOfNexthop,
} from "../resolve/resolved_address.ts";
import type { DeliveryMessage, DeliveryResult } from "./types.ts";
import { deliverVirtual } from "./virtual/virtual.ts";
import { createSmtpAgent } from "./smtp/smtp_agent.ts";
import { createTransactionBatcher } from "./smtp/transaction_batcher.ts";
import type { Resolver } from "../dns/resolver.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";

/** Options for `createRouter`: those of the local agent, minus the tables. */
export type RouterOptions =
  & Omit<LocalDeliveryOptions, "maps" | "aliasTables" | "resolve">
  & {
    /** The DNS resolver for SMTP (default: one following resolv_conf). */
    readonly dns?: Resolver;
  };

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
  const smtp = createTransactionBatcher(
    createSmtpAgent({ maps, resolver: options.dns }),
  );
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
    }
    const transport = outboundTransport(resolved, current);
    if (transport.name === "smtp" || transport.name === "relay") {
      return smtp(message, transport.nexthop, current);
    }
    return deferral(resolved);
  };
}

/**
 * Where relay and remote mail goes: the resolver's transport, or, while
 * it names none, SMTP to relayhost or to the domain's MX hosts.
 */
function outboundTransport(
  resolved: ResolvedAddress,
  config: Config,
): { readonly name: string; readonly nexthop: string } {
  const transport = resolved.transport;
  if (transport && transport !== NO_OUTBOUND_TRANSPORT) return transport;
  if (resolved.addressClass === "refused") return NO_OUTBOUND_TRANSPORT;
  return { name: "smtp", nexthop: config.relayhost || resolved.domain };
}
