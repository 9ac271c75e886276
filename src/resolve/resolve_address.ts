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
 *   4. relay     the domain is in relay_domains (not configurable yet:
 *                the slot is `DomainFacts.relayDomain`);
 *   5. remote    anything else.
 *
 *   Relay and remote addresses get the `retry` transport that defers
 *   them "no outbound transport yet"; a refused one gets no transport.
 *
 *   Pure: whether the domain is a virtual mailbox domain (which may take
 *   a table lookup) is told by the caller (`DomainFacts`).
 *
 *   Does NOT expand aliases, look up users, or apply transport_maps.
 */
import { type AddressInput, rewriteAddress } from "./rewrite_address.ts";
import type { RewriteConfig, RewrittenAddress } from "./rewrite_address.ts";
import {
  NO_OUTBOUND_TRANSPORT,
  type ResolvedAddress,
} from "./resolved_address.ts";

/** The configuration the decision reads. */
export type ResolveConfig = RewriteConfig;

/** What only the lookup tables can tell about the address's domain. */
export interface DomainFacts {
  /** The domain is in virtual_mailbox_domains (lists and tables included). */
  readonly virtualMailboxDomain: boolean;
  /** The domain is in relay_domains (no such parameter yet). */
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
  if (isLocalDomain(domain, config)) {
    return {
      ...parts,
      addressClass: "local",
      postmaster: localPart.toLowerCase() === "postmaster",
      transport: { name: "local", nexthop: domain },
      reason: `domain "${domain}" is in mydestination`,
    };
  }
  if (facts.virtualMailboxDomain) {
    return {
      ...parts,
      addressClass: "virtual",
      postmaster: false,
      transport: { name: "virtual", nexthop: domain },
      reason: `domain "${domain}" is in virtual_mailbox_domains`,
    };
  }
  if (facts.relayDomain === true) {
    return {
      ...parts,
      addressClass: "relay",
      postmaster: false,
      transport: NO_OUTBOUND_TRANSPORT,
      reason: `domain "${domain}" is in relay_domains`,
    };
  }
  return {
    ...parts,
    addressClass: "remote",
    postmaster: false,
    transport: NO_OUTBOUND_TRANSPORT,
    reason: `domain "${domain}" is not a local or virtual domain`,
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
