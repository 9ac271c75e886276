/**
 * The address resolver with its tables: what every caller outside smtpd's
 * pure session uses.
 *
 * DESCRIPTION
 *   `createAddressResolver` binds the decision of `resolve_address.ts` to
 *   the caller's tables (usually the `VirtualMaps` it already keeps open,
 *   so tables and domain lists are shared and followed) and does the
 *   lookups the decision needs (`routing_lookups.ts`): a domain in
 *   mydestination is local without a domain lookup; other domains are
 *   looked up in virtual_mailbox_domains, then relay_domains, each only
 *   when set. transport_maps is consulted for every address but a
 *   refused one, and sender_dependent_relayhost_maps for relay and
 *   remote addresses when the caller names the sender.
 *
 *   A domain listed in both mydestination and virtual_mailbox_domains is
 *   resolved local and logged once per resolver, as Postfix does:
 *   "do not list domain X in BOTH mydestination and
 *   virtual_mailbox_domains".
 *
 *   A transport mailsrv does not have (from transport_maps,
 *   relay_transport or default_transport) defers the address and is
 *   logged once per resolver.
 *
 *   The configuration is passed at every call, so a reload applies to the
 *   next address.
 *
 * DIAGNOSTICS
 *   A table that cannot be read (a virtual or relay domain table,
 *   transport_maps, sender_dependent_relayhost_maps) throws
 *   LookupTableError; callers defer (4.3.0) or answer 451. The overlap
 *   check never fails a resolution.
 */
import type { Config } from "../config/types.ts";
import { type Maillog, maillog } from "../log/maillog.ts";
import { createMapCache, type MapCache } from "../maps/mod.ts";
import { createDomainLists, type DomainLists } from "./domain_list.ts";
import { isLocalDomain, resolveRewritten } from "./resolve_address.ts";
import { type AddressInput, rewriteAddress } from "./rewrite_address.ts";
import type { ResolvedAddress } from "./resolved_address.ts";
import { createRoutingLookups } from "./routing_lookups.ts";

/**
 * The lookups the resolver needs: virtual_mailbox_domains membership, and
 * the tables to share for the others (a `VirtualMaps` has them all).
 */
export interface VirtualDomainLookup {
  /**
   * True when `domain` is in virtual_mailbox_domains.
   * @throws LookupTableError when a domain table cannot be read
   */
  isVirtualDomain(domain: string, config: Config): Promise<boolean>;
  /** The lookup tables to share; a new cache when absent. */
  readonly tables?: MapCache;
  /** The domain lists to share; new ones over `tables` when absent. */
  readonly domainLists?: DomainLists;
}

/** The configuration the resolver reads. */
export type ResolverConfig = Config;

/** What else a resolution may depend on. */
export interface ResolveOptions {
  /**
   * The envelope sender ("" for the null sender), for
   * sender_dependent_relayhost_maps; absent, the map is not consulted.
   */
  readonly sender?: string;
}

/**
 * Resolves one address with the configuration in force.
 * @throws LookupTableError when a table cannot be read
 */
export type AddressResolver = (
  input: string | AddressInput,
  config: ResolverConfig,
  options?: ResolveOptions,
) => Promise<ResolvedAddress>;

/** Options for `createAddressResolver`. */
export interface AddressResolverOptions {
  /** Where configuration warnings go (default: the trivial-rewrite log). */
  readonly log?: Pick<Maillog, "warning">;
}

/** Creates an address resolver that asks `virtualDomains` when it must. */
export function createAddressResolver(
  virtualDomains: VirtualDomainLookup,
  options: AddressResolverOptions = {},
): AddressResolver {
  const log = options.log ?? maillog("trivial-rewrite");
  const checked = new Set<string>();
  const warned = new Set<string>();
  const tables = virtualDomains.tables ?? createMapCache();
  const routing = createRoutingLookups(
    tables,
    virtualDomains.domainLists ?? createDomainLists(tables),
  );

  /** Warns once when a local domain is also a virtual mailbox domain. */
  async function checkOverlap(domain: string, config: Config): Promise<void> {
    const key = `${domain}\n${config.virtual_mailbox_domains.join("\n")}`;
    if (checked.has(key)) return;
    checked.add(key);
    try {
      if (await virtualDomains.isVirtualDomain(domain, config)) {
        log.warning(
          `do not list domain ${domain} in BOTH mydestination and virtual_mailbox_domains`,
        );
      }
    } catch {
      // Only a warning: the table's own failure shows elsewhere.
    }
  }

  /** Logs a configuration mistake once per resolver. */
  function warnOnce(warning: string | undefined): void {
    if (warning === undefined || warned.has(warning)) return;
    warned.add(warning);
    log.warning(warning);
  }

  return async (input, config, resolveOptions = {}) => {
    const rewritten = rewriteAddress(input, config);
    const { localPart, domain } = rewritten;
    if (rewritten.relayTrick !== undefined) {
      return resolveRewritten(rewritten, config, {
        virtualMailboxDomain: false,
      });
    }
    const virtualTables = config.virtual_mailbox_domains.length > 0;
    const local = isLocalDomain(domain, config);
    if (virtualTables && local) await checkOverlap(domain, config);
    const virtualMailboxDomain = virtualTables && !local &&
      await virtualDomains.isVirtualDomain(domain, config);
    const remote = !local && !virtualMailboxDomain;
    const relayDomain = remote &&
      await routing.isRelayDomain(domain, config);
    const transportEntry = await routing.transportEntry(
      localPart,
      domain,
      config,
    );
    const { sender } = resolveOptions;
    const senderRelayhost = remote && sender !== undefined
      ? await routing.senderRelayhost(sender, config)
      : undefined;
    const resolved = resolveRewritten(rewritten, config, {
      virtualMailboxDomain,
      relayDomain,
      ...(transportEntry && { transportEntry }),
      ...(senderRelayhost !== undefined && { senderRelayhost }),
    });
    warnOnce(resolved.warning);
    return resolved;
  };
}
