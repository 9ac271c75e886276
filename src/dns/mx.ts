/**
 * Mail exchangers: where mail for a domain goes (RFC 5321 §5.1).
 *
 * DESCRIPTION
 *   `mxHosts(resolver, domain)` asks for the MX records of `domain`:
 *
 *   - records found: the hosts in preference order, equal preferences in
 *     random order (spreading load as RFC 5321 asks);
 *   - one MX with the root as exchange (`0 .`): a null MX (RFC 7505), the
 *     domain accepts no mail — bounce at once with 5.1.10;
 *   - no MX records (nodata): the domain itself is the one host (the
 *     "implicit MX", its A/AAAA records);
 *   - NXDOMAIN: bounce, "Host or domain name not found";
 *   - anything else: defer.
 *
 *   `hostAddresses(resolver, host, protocols)` finds a host's addresses
 *   for `inet_protocols`, with the same four outcomes. `trimSelf` drops
 *   the MX hosts that are no better than this host itself, as Postfix's
 *   `smtp_domain_addr()` does, so a backup MX never sends mail in a loop.
 *
 *   Used by outbound routing. Pure apart from the resolver it is given.
 */
import { canonicalName, type Resolver } from "./resolver.ts";

/** One mail exchanger. */
export interface MxHost {
  readonly name: string;
  readonly preference: number;
}

/** The outcome of an MX lookup. */
export type MxLookup =
  | {
    readonly status: "found";
    readonly hosts: readonly MxHost[];
    /** True when the domain has no MX and is its own host. */
    readonly implicit: boolean;
  }
  | { readonly status: "nullmx" }
  | { readonly status: "nxdomain" }
  | { readonly status: "tempfail"; readonly reason: string };

/** Which address families to use (Postfix's inet_protocols). */
export type InetProtocols = "ipv4" | "ipv6" | "all";

/** The outcome of an address lookup. */
export type AddressLookup =
  | { readonly status: "found"; readonly addresses: readonly string[] }
  | { readonly status: "nodata" }
  | { readonly status: "nxdomain" }
  | { readonly status: "tempfail"; readonly reason: string };

/**
 * Sorts by preference, shuffling hosts of equal preference.
 * @param random a number in [0, 1) (tests fix it)
 */
export function orderByPreference(
  hosts: readonly MxHost[],
  random: () => number = Math.random,
): MxHost[] {
  const keyed = hosts.map((host) => ({ host, tie: random() }));
  keyed.sort((a, b) => a.host.preference - b.host.preference || a.tie - b.tie);
  return keyed.map((k) => k.host);
}

/** Looks up where mail for `domain` goes. */
export async function mxHosts(
  resolver: Resolver,
  domain: string,
  random: () => number = Math.random,
): Promise<MxLookup> {
  const answer = await resolver.lookup(domain, "MX");
  if (answer.status === "nodata") {
    return {
      status: "found",
      hosts: [{ name: canonicalName(domain), preference: 0 }],
      implicit: true,
    };
  }
  if (answer.status !== "found") return answer;
  const hosts: MxHost[] = [];
  for (const record of answer.records) {
    if (record.type !== "MX") continue;
    hosts.push({
      name: canonicalName(record.data.exchange),
      preference: record.data.preference ?? 0,
    });
  }
  // RFC 7505: a single MX whose exchange is the root.
  if (hosts.length === 1 && hosts[0].name === "") return { status: "nullmx" };
  const usable = hosts.filter((h) => h.name !== "");
  if (usable.length === 0) return { status: "nullmx" };
  return {
    status: "found",
    hosts: orderByPreference(usable, random),
    implicit: false,
  };
}

/** Looks up the addresses of `host` in the families `protocols` allows. */
export async function hostAddresses(
  resolver: Resolver,
  host: string,
  protocols: InetProtocols = "all",
): Promise<AddressLookup> {
  const types = protocols === "ipv4"
    ? ["A" as const]
    : protocols === "ipv6"
    ? ["AAAA" as const]
    : ["A" as const, "AAAA" as const];
  const answers = await Promise.all(
    types.map((type) => resolver.lookup(host, type)),
  );
  const addresses: string[] = [];
  for (const answer of answers) {
    if (answer.status !== "found") continue;
    for (const record of answer.records) {
      if (record.type === "A" || record.type === "AAAA") {
        addresses.push(record.data);
      }
    }
  }
  if (addresses.length > 0) return { status: "found", addresses };
  const failed = answers.find((a) => a.status === "tempfail");
  if (failed) return failed;
  if (answers.every((a) => a.status === "nxdomain")) {
    return { status: "nxdomain" };
  }
  return { status: "nodata" };
}

/**
 * Drops the hosts no better than this host (`isSelf`): Postfix sends only
 * to exchangers more preferred than itself.
 * @returns the hosts to try; empty when the best MX is this host, which
 *   the caller reports as "mail for DOMAIN loops back to myself" (5.4.6)
 */
export function trimSelf(
  hosts: readonly MxHost[],
  isSelf: (host: MxHost) => boolean,
): MxHost[] {
  const own = hosts.filter(isSelf).map((h) => h.preference);
  if (own.length === 0) return [...hosts];
  const best = Math.min(...own);
  return hosts.filter((h) => h.preference < best);
}
