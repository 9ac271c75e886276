/**
 * The address resolver with its tables: what every caller outside smtpd's
 * pure session uses.
 *
 * DESCRIPTION
 *   `createAddressResolver` binds the decision of `resolve_address.ts` to
 *   the caller's virtual mailbox domain lookup (usually the `VirtualMaps`
 *   it already keeps open, so tables are shared and followed). A domain
 *   in mydestination is local without any table lookup; other domains are
 *   looked up only when virtual_mailbox_domains is set.
 *
 *   A domain listed in both mydestination and virtual_mailbox_domains is
 *   resolved local and logged once per resolver, as Postfix does:
 *   "do not list domain X in BOTH mydestination and
 *   virtual_mailbox_domains".
 *
 *   The configuration is passed at every call, so a reload applies to the
 *   next address.
 *
 * DIAGNOSTICS
 *   A virtual domain table that cannot be read throws LookupTableError;
 *   callers defer (4.3.0) or answer 451. The overlap check never fails a
 *   resolution.
 */
import type { Config } from "../config/types.ts";
import { type Maillog, maillog } from "../log/maillog.ts";
import { isLocalDomain, resolveRewritten } from "./resolve_address.ts";
import { type AddressInput, rewriteAddress } from "./rewrite_address.ts";
import type { ResolvedAddress } from "./resolved_address.ts";

/** The lookup the resolver needs: virtual_mailbox_domains membership. */
export interface VirtualDomainLookup {
  /**
   * True when `domain` is in virtual_mailbox_domains.
   * @throws LookupTableError when a domain table cannot be read
   */
  isVirtualDomain(domain: string, config: Config): Promise<boolean>;
}

/** The configuration the resolver reads. */
export type ResolverConfig = Config;

/**
 * Resolves one address with the configuration in force.
 * @throws LookupTableError when a virtual domain table cannot be read
 */
export type AddressResolver = (
  input: string | AddressInput,
  config: ResolverConfig,
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

  return async (input, config) => {
    const rewritten = rewriteAddress(input, config);
    const { domain } = rewritten;
    const tables = rewritten.relayTrick === undefined &&
      config.virtual_mailbox_domains.length > 0;
    const local = isLocalDomain(domain, config);
    if (tables && local) await checkOverlap(domain, config);
    const virtualMailboxDomain = tables && !local &&
      await virtualDomains.isVirtualDomain(domain, config);
    return resolveRewritten(rewritten, config, { virtualMailboxDomain });
  };
}
