/**
 * The agents that write on this system: local, virtual and pipe (Postfix's
 * local(8), virtual(8) and pipe(8)), behind one function.
 *
 * DESCRIPTION
 *   `createLocalAgent(options)` returns the `LocalAgent` the router calls
 *   once it has resolved a recipient and taken its destination slot:
 *
 *     local     the local agent (aliases, .forward, :include:, mailbox)
 *     virtual   the virtual agent (its local-domain alias targets go to
 *               the local agent directly, as the router's did)
 *     pipe      a `[[transport]]` of kind pipe, named by `transport`,
 *               with its options laid over the configuration
 *
 *   The daemon runs it in a Worker of its own, with the local role's
 *   grants (master/local_delivery_worker.ts), behind a proxy with the same
 *   signature; without one, the router makes it in its own thread over
 *   its own tables. A request is plain data apart from the message's
 *   content opener, so it can cross to that Worker.
 *
 *   Does NOT resolve addresses, schedule, retry or record: the router and
 *   the queue manager do.
 */
import type { Config } from "../config/types.ts";
import { namedTransport, transportConfig } from "../config/transports.ts";
import {
  type AliasTableCache,
  createAliasTableCache,
} from "../maps/alias_table.ts";
import { createMapCache, type MapCache } from "../maps/mod.ts";
import {
  type AddressResolver,
  createAddressResolver,
} from "../resolve/address_resolver.ts";
import {
  createVirtualMaps,
  type VirtualMaps,
} from "../resolve/virtual_maps.ts";
import { deliverLocal, type LocalDeliveryOptions } from "./local/local.ts";
import { deliverPipe } from "./pipe/pipe_agent.ts";
import type { DeliveryMessage, DeliveryResult } from "./types.ts";
import { deliverVirtual } from "./virtual/virtual.ts";

/** One delivery by an agent that writes on this system. */
export type LocalAgentRequest =
  | {
    readonly kind: "local";
    readonly message: DeliveryMessage;
    /** Every target written; see `LocalDeliveryOptions.written`. */
    readonly written?: () => void;
  }
  | { readonly kind: "virtual"; readonly message: DeliveryMessage }
  | {
    readonly kind: "pipe";
    readonly message: DeliveryMessage;
    /** The `[[transport]]` name. */
    readonly transport: string;
    readonly nexthop: string;
  };

/** Delivers `request` under `config`. */
export type LocalAgent = (
  request: LocalAgentRequest,
  config: Config,
) => Promise<DeliveryResult>;

/** The agents' options, and the tables to share (the router's). */
export type LocalAgentOptions =
  & Omit<LocalDeliveryOptions, "maps" | "aliasTables" | "resolve">
  & {
    readonly maps?: MapCache;
    readonly aliasTables?: AliasTableCache;
    readonly virtualMaps?: VirtualMaps;
    readonly resolve?: AddressResolver;
  };

/** A pipe transport the configuration no longer names: try again later. */
function unknownTransport(name: string): DeliveryResult {
  return {
    outcome: "deferred",
    dsn: "4.3.0",
    reason: `mail transport unavailable: "${name}"`,
    relay: "none",
  };
}

/** Creates the agents, over the given tables or fresh ones. */
export function createLocalAgent(options: LocalAgentOptions = {}): LocalAgent {
  const maps = options.maps ?? createMapCache(options.mapOptions);
  const aliasTables = options.aliasTables ??
    createAliasTableCache({ clock: options.mapOptions?.clock });
  const virtualMaps = options.virtualMaps ??
    createVirtualMaps({ tables: maps, mapOptions: options.mapOptions });
  const resolve = options.resolve ?? createAddressResolver(virtualMaps);
  const shared = { ...options, maps, aliasTables, resolve };
  return (request, config) => {
    const local = (target: DeliveryMessage, written?: () => void) =>
      deliverLocal(target, config, written ? { ...shared, written } : shared);
    switch (request.kind) {
      case "local":
        return local(request.message, request.written);
      case "virtual":
        return deliverVirtual(request.message, config, {
          ...options,
          maps: virtualMaps,
          resolve,
          deliverLocal: local,
        });
      case "pipe": {
        const service = namedTransport(config.transports, request.transport);
        if (service?.kind !== "pipe") {
          return Promise.resolve(unknownTransport(request.transport));
        }
        return deliverPipe(
          request.message,
          service,
          request.nexthop,
          transportConfig(config, service),
          { clock: options.clock },
        );
      }
    }
  };
}
