/**
 * The address resolver's decision (Postfix trivial-rewrite's "resolve"
 * service): local, virtual, relay, remote or refused.
 *
 * DESCRIPTION
 *   `resolveAddress` rewrites an address to canonical form
 *   (`rewrite_address.ts`), then decides its class in this order, which
 *   is Postfix's (resolve.c) and the same for every caller — smtpd's RCPT
 *   check and recipient verifier, the queue manager's router, alias and
 *   `.forward` expansion, virtual delivery and POP3 login:
 *
 *   1. refused   a relay trick (source route, `@`, `%` or `!` in the
 *                local part), whatever the domain: such an address is
 *                never delivered here, and smtpd lets it through only
 *                under the relay restrictions, like any relay;
 *   2. local     the domain is in mydestination (transport `local`);
 *   3. virtual   the domain is a virtual mailbox domain (transport
 *                `virtual`). A domain listed in both mydestination and
 *                virtual_mailbox_domains is a configuration error, as in
 *                Postfix; it resolves local, and the resolver with tables
 *                (`address_resolver.ts`) logs a warning;
 *   4. relay     the domain is in relay_domains (transport
 *                relay_transport);
 *   5. remote    anything else (transport default_transport).
 *
 *   Then the transport and nexthop are chosen as `routing.ts` says:
 *   relayhost, sender_dependent_relayhost_maps and transport_maps apply.
 *   A refused address gets no transport.
 *
 *   Pure: what takes a table lookup (virtual_mailbox_domains,
 *   relay_domains, transport_maps, sender_dependent_relayhost_maps) is
 *   told by the caller (`DomainFacts`); the resolver with tables
 *   (`address_resolver.ts`) asks them.
 *
 *   Does NOT expand aliases or look up users.
 */
import { type AddressInput, rewriteAddress } from "./rewrite_address.ts";
import type { RewriteConfig, RewrittenAddress } from "./rewrite_address.ts";
import type { AddressClass, ResolvedAddress } from "./resolved_address.ts";
import { routeOf, type RoutingConfig, type RoutingFacts } from "./routing.ts";

/** The configuration the decision reads. */
export type ResolveConfig = RewriteConfig & RoutingConfig;

/** What only the lookup tables can tell about the address. */
export interface DomainFacts extends RoutingFacts {
  /** The domain is in virtual_mailbox_domains (lists and tables included). */
  readonly virtualMailboxDomain: boolean;
  /** The domain is in relay_domains (lists and tables included). */
  readonly relayDomain?: boolean;
}

/** True when `domain` (folded) is listed in mydestination. */
export function isLocalDomain(
  domain: string,
  config: Pick<ResolveConfig, "mydestination">,
): boolean {
  return config.mydestination.includes(domain);
}

/** Decides the class of an address already in canonical form. */
export function resolveRewritten(
  rewritten: RewrittenAddress,
  config: ResolveConfig,
  facts: DomainFacts,
): ResolvedAddress {
  const { address, localPart, domain, relayTrick } = rewritten;
  const parts = { address, localPart, domain };
  if (relayTrick !== undefined) {
    return {
      ...parts,
      addressClass: "refused",
      postmaster: false,
      reason: `relay trick refused: ${relayTrick}`,
    };
  }
  const [addressClass, reason]: [Exclude<AddressClass, "refused">, string] =
    isLocalDomain(domain, config)
      ? ["local", `domain "${domain}" is in mydestination`]
      : facts.virtualMailboxDomain
      ? ["virtual", `domain "${domain}" is in virtual_mailbox_domains`]
      : facts.relayDomain === true
      ? ["relay", `domain "${domain}" is in relay_domains`]
      : [
        "remote",
        `domain "${domain}" is not a local, virtual or relay domain`,
      ];
  const route = routeOf(addressClass, domain, config, facts);
  return {
    ...parts,
    addressClass,
    postmaster: addressClass === "local" &&
      localPart.toLowerCase() === "postmaster",
    transport: route.transport,
    reason,
    ...(route.warning === undefined ? {} : { warning: route.warning }),
  };
}

/**
 * Resolves an address (see the module comment).
 * @param input an envelope address, or smtpd's address with its source
 *   route flag
 * @param facts what the tables say about its domain
 */
export function resolveAddress(
  input: string | AddressInput,
  config: ResolveConfig,
  facts: DomainFacts,
): ResolvedAddress {
  return resolveRewritten(rewriteAddress(input, config), config, facts);
}
