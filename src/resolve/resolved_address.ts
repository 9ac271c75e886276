/**
 * The address resolver's answer: address class, canonical form, transport.
 *
 * DESCRIPTION
 *   What Postfix's trivial-rewrite returns to its clients (smtpd, qmgr,
 *   local): the class of an address (ADDRESS_CLASS_README), the address in
 *   canonical form and where it goes next, as a (transport, nexthop) pair.
 *
 *   local     the domain is in mydestination: the local delivery agent.
 *   virtual   the domain is a virtual mailbox domain: the virtual agent.
 *   relay     the domain is in relay_domains.
 *   remote    any other domain.
 *   refused   the address hides a route through another host (a source
 *             route, or `@`, `%` or `!` in the local part): never local
 *             or virtual, whatever its domain, so it is no way around the
 *             relay restrictions.
 *
 *   The transport is one of mailsrv's (`routing.ts` says which one each
 *   address gets):
 *
 *     local     the local delivery agent; nexthop the domain
 *     virtual   the virtual delivery agent; nexthop the domain
 *     smtp      the SMTP client, for remote mail; nexthop a destination
 *     relay       (`nexthop.ts`): a domain, `host:port`, `[host]:port`
 *     error     bounce; nexthop `5.x.y text` (status optional)
 *     retry     defer; nexthop `4.x.y text`, as Postfix's retry(8)
 *     discard   drop the mail, logged as discarded; nexthop the reason
 *
 *   A refused address gets no transport.
 *
 *   Types and constants only.
 */

/** The address classes of Postfix's ADDRESS_CLASS_README, plus refused. */
export type AddressClass = "local" | "virtual" | "relay" | "remote" | "refused";

/** Where an address goes next: a master.cf-style transport and its nexthop. */
export interface Transport {
  /**
   * `local`, `virtual`, `smtp`, `relay`, `error`, `discard` or `retry`
   * (see the module comment); never a name mailsrv does not have.
   */
  readonly name: string;
  /**
   * The destination for that transport: the domain for `local` and
   * `virtual`, a destination for `smtp` and `relay`, `[45].x.y text` for
   * `error` and `retry`.
   */
  readonly nexthop: string;
}

/** One address, resolved. */
export interface ResolvedAddress {
  /** Its address class (see the module comment). */
  readonly addressClass: AddressClass;
  /**
   * Canonical envelope form: qualified (`@$myorigin`, or the first
   * mydestination domain for a bare `postmaster`), domain lower-cased
   * without a trailing dot, local part as given (quoted if it was).
   */
  readonly address: string;
  /** The local part, unquoted, case kept. */
  readonly localPart: string;
  /** The domain, lower-cased, without a trailing dot. */
  readonly domain: string;
  /**
   * True for postmaster of a local domain (any case): always accepted by
   * smtpd (RFC 5321 section 4.5.1).
   */
  readonly postmaster: boolean;
  /** Where it goes next; none for a refused address. */
  readonly transport?: Transport;
  /** Why it resolved so, for logs and replies. */
  readonly reason: string;
  /**
   * A configuration mistake found while resolving (an unknown transport),
   * for the resolver with tables to log once.
   */
  readonly warning?: string;
}

/**
 * What becomes of a refused address found in the queue (accepted from a
 * trusted client): it names a route through another host, which mailsrv
 * does not follow, so it waits and then returns to the sender.
 */
export const REFUSED_ADDRESS_TRANSPORT: Transport = {
  name: "retry",
  nexthop: "4.4.1 delivery temporarily suspended: the address routes " +
    "through another host (%, ! or @ in the local part)",
};

/**
 * The status and text of a `retry` or `error` nexthop:
 * `4.4.1 some text` → `{ dsn: "4.4.1", text: "some text" }`.
 * @param fallbackDsn the status when the nexthop starts with none
 */
export function statusOfNexthop(
  nexthop: string,
  fallbackDsn: string,
): { readonly dsn: string; readonly text: string } {
  const match = /^([245]\.\d{1,3}\.\d{1,3})\s+(.*)$/s.exec(nexthop);
  return match
    ? { dsn: match[1], text: match[2] }
    : { dsn: fallbackDsn, text: nexthop };
}
