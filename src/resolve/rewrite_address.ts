/**
 * Address rewriting to canonical form (Postfix trivial-rewrite's
 * "rewrite" service, reduced to what mailsrv does).
 *
 * DESCRIPTION
 *   Before an address is resolved, and when a sender enters the queue:
 *
 *   - an unqualified address gets `@$myorigin` (append_at_myorigin);
 *     a bare `postmaster` (any case) instead gets the first mydestination
 *     domain, so it always reaches this system's postmaster (RFC 5321
 *     section 4.5.1) — but not behind a source route;
 *   - the domain is folded to lower case and loses a trailing dot, as
 *     Postfix folds domains; the local part keeps its case (RFC 5321
 *     section 2.4), and its quoting;
 *   - a relay trick is noted, not undone: a source route (which smtpd
 *     has already dropped from the address, and reports), or `@`, `%`
 *     or `!` in the unquoted local part. Postfix would swap bang paths
 *     and follow the percent hack; mailsrv refuses to route by them.
 *
 *   Used by the address resolver and smtpd (senders). Pure.
 */
import type { Config } from "../config/types.ts";
import { splitEnvelopeAddress } from "./envelope_address.ts";

/** The configuration rewriting reads. */
export type RewriteConfig = Pick<Config, "mydestination" | "myorigin">;

/** An address to resolve, with what smtpd knows about how it was written. */
export interface AddressInput {
  /** External form, no angle brackets, source route already removed. */
  readonly address: string;
  /** True when the client wrote a source route (`<@relay:user@host>`). */
  readonly sourceRoute?: boolean;
}

/** An address in canonical form. */
export interface RewrittenAddress {
  /** `localText@domain`. */
  readonly address: string;
  /** The local part, unquoted, case kept. */
  readonly localPart: string;
  /** Lower-cased, without a trailing dot. */
  readonly domain: string;
  /** The relay trick in the address, if any (for the refusal reason). */
  readonly relayTrick?: string;
}

/** A domain folded as Postfix folds it: lower case, no trailing dot. */
export function foldDomain(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, "");
}

/** The relay trick in an address, or undefined. */
function relayTrickOf(
  localPart: string,
  sourceRoute: boolean,
): string | undefined {
  if (sourceRoute) return "source route";
  for (const trick of ["@", "%", "!"]) {
    if (localPart.includes(trick)) return `"${trick}" in the local part`;
  }
  return undefined;
}

/** Rewrites `input` to canonical form (see the module comment). */
export function rewriteAddress(
  input: string | AddressInput,
  config: RewriteConfig,
): RewrittenAddress {
  const { address, sourceRoute = false } = typeof input === "string"
    ? { address: input }
    : input;
  const parts = splitEnvelopeAddress(address);
  const postmasterDomain = config.mydestination[0];
  const domain = parts.domain !== undefined
    ? foldDomain(parts.domain)
    : parts.localPart.toLowerCase() === "postmaster" && !sourceRoute &&
        postmasterDomain !== undefined
    ? postmasterDomain
    : foldDomain(config.myorigin);
  const relayTrick = relayTrickOf(parts.localPart, sourceRoute);
  return {
    address: `${parts.localText}@${domain}`,
    localPart: parts.localPart,
    domain,
    ...(relayTrick === undefined ? {} : { relayTrick }),
  };
}

/**
 * The envelope form of a sender: an unqualified address gets
 * `@$myorigin` (a bare `postmaster` too), the domain is folded; the null
 * sender stays "".
 */
export function rewriteSender(
  address: string,
  config: Pick<Config, "myorigin">,
): string {
  if (address === "") return "";
  const parts = splitEnvelopeAddress(address);
  return `${parts.localText}@${foldDomain(parts.domain ?? config.myorigin)}`;
}
