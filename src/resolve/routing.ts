/**
 * Which transport, and which nexthop, an address of each class gets
 * (Postfix trivial-rewrite's resolve_addr and qmgr's transport choice).
 *
 * DESCRIPTION
 *   Without transport_maps:
 *
 *     local     local:DOMAIN
 *     virtual   virtual:DOMAIN
 *     relay     relay_transport (default `relay`)
 *     remote    default_transport (default `smtp`)
 *
 *   The nexthop of relay and remote mail is, in decreasing precedence
 *   (postconf(5) relay_transport and default_transport): the nexthop
 *   written in relay_transport or default_transport (`smtp:[gw]:587`),
 *   the sender's entry in sender_dependent_relayhost_maps, relayhost, the
 *   recipient domain.
 *
 *   A transport_maps entry then overrides that (`transport_table.ts`),
 *   for every class, local and virtual included.
 *
 *   The transport must be one mailsrv has: local, virtual, smtp, relay,
 *   error, discard or retry, or one a `[[transport]]` table names (an
 *   smtp, lmtp or pipe service, as master.cf defines). Any other name (a Postfix master.cf service
 *   such as `uucp` or `lmtp`) defers the mail "4.3.0 mail transport
 *   unavailable", as Postfix's queue manager does when a transport has no
 *   service, and the resolution carries a warning for the log.
 *
 *   Pure: the table lookups are done by the caller (`routing_lookups.ts`).
 */
import type { AddressClass, Transport } from "./resolved_address.ts";
import {
  applyTransportValue,
  parseTransportValue,
  type TransportEntry,
} from "./transport_table.ts";

/** The transports mailsrv has. */
export const KNOWN_TRANSPORTS: readonly string[] = [
  "local",
  "virtual",
  "smtp",
  "relay",
  "error",
  "discard",
  "retry",
];

/**
 * The routing parameters; absent ones have Postfix's defaults (smtpd's
 * pure session resolves for the class only and does not carry them).
 */
export interface RoutingConfig {
  readonly relay_transport?: string;
  readonly default_transport?: string;
  readonly relayhost?: string;
  /** The `[[transport]]` tables: named services (`config/transports.ts`). */
  readonly transports?: readonly { readonly name: string }[];
}

/** Whether mailsrv has a transport called `name` (built in or named). */
export function isKnownTransport(name: string, config: RoutingConfig): boolean {
  return KNOWN_TRANSPORTS.includes(name) ||
    (config.transports ?? []).some((t) => t.name === name);
}

/** The transports mailsrv has, for the warning. */
function knownNames(config: RoutingConfig): string {
  return [...KNOWN_TRANSPORTS, ...(config.transports ?? []).map((t) => t.name)]
    .join(", ");
}

/** What the tables said that bears on the transport. */
export interface RoutingFacts {
  /** The transport_maps entry for the address, if any. */
  readonly transportEntry?: TransportEntry;
  /** The sender's sender_dependent_relayhost_maps entry, if any. */
  readonly senderRelayhost?: string;
}

/** A transport, and the configuration mistake it revealed, if any. */
export interface Route {
  readonly transport: Transport;
  /** For the log: why the mail is deferred (an unknown transport). */
  readonly warning?: string;
}

/** The deferral of mail whose transport mailsrv does not have. */
export const TRANSPORT_UNAVAILABLE: Transport = {
  name: "retry",
  nexthop: "4.3.0 mail transport unavailable",
};

type DeliverableClass = Exclude<AddressClass, "refused">;

/** The transport of an address before transport_maps. */
export function classTransport(
  addressClass: DeliverableClass,
  domain: string,
  config: RoutingConfig,
  senderRelayhost?: string,
): Transport {
  if (addressClass === "local" || addressClass === "virtual") {
    return { name: addressClass, nexthop: domain };
  }
  const fallback = addressClass === "relay" ? "relay" : "smtp";
  const setting = addressClass === "relay"
    ? config.relay_transport
    : config.default_transport;
  const { transport, nexthop } = parseTransportValue(setting ?? fallback);
  return {
    name: transport || fallback,
    nexthop: nexthop || senderRelayhost || config.relayhost?.trim() || domain,
  };
}

/** Where a transport name came from, for the warning. */
function sourceOf(
  addressClass: DeliverableClass,
  facts: RoutingFacts,
): string {
  if (facts.transportEntry) {
    return `transport_maps entry "${facts.transportEntry.key}"`;
  }
  return addressClass === "relay" ? "relay_transport" : "default_transport";
}

/**
 * The route of a deliverable address (see the module comment).
 * @param domain the recipient domain, folded
 */
export function routeOf(
  addressClass: DeliverableClass,
  domain: string,
  config: RoutingConfig,
  facts: RoutingFacts,
): Route {
  const own = classTransport(
    addressClass,
    domain,
    config,
    facts.senderRelayhost,
  );
  const transport = facts.transportEntry
    ? applyTransportValue(own, facts.transportEntry.value, domain)
    : own;
  if (isKnownTransport(transport.name, config)) return { transport };
  return {
    transport: TRANSPORT_UNAVAILABLE,
    warning: `unknown mail transport "${transport.name}" (from ${
      sourceOf(addressClass, facts)
    }): mail for ${domain} is deferred; mailsrv has ${knownNames(config)}`,
  };
}

/**
 * The route of mail that carries a content filter (Postfix's FILTER action
 * and content_filter): every recipient goes to `filter`'s transport and
 * nexthop instead of `own`; an empty part keeps the recipient's own (so
 * `smtp:` goes by MX to the recipient domain), as transport_maps values do.
 * @param own the recipient's route without the filter
 * @param filter `transport:nexthop`, as the queue file keeps it
 * @param domain the recipient domain, folded
 * @param config where named transports are defined
 */
export function filterRoute(
  own: Transport,
  filter: string,
  domain: string,
  config: RoutingConfig = {},
): Route {
  const transport = applyTransportValue(own, filter, domain);
  if (isKnownTransport(transport.name, config)) return { transport };
  return {
    transport: TRANSPORT_UNAVAILABLE,
    warning: `unknown mail transport "${transport.name}" (from the content ` +
      `filter "${filter}"): mail for ${domain} is deferred; mailsrv has ${
        knownNames(config)
      }`,
  };
}
