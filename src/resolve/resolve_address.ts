/**
 * Relay control: is an RCPT TO address ours, or someone else's?
 *
 * DESCRIPTION
 *   `resolveRecipient` gives the envelope form of a recipient and its
 *   address class, in the spirit of Postfix's trivial-rewrite:
 *
 *   postmaster  `<postmaster>` in any case, or postmaster at a local
 *               domain; always accepted (RFC 5321 section 4.5.1). The
 *               unqualified form becomes postmaster of the first
 *               `mydestination` domain.
 *   local       the domain is in `mydestination`; smtpd asks the
 *               recipient verifier whether the user exists.
 *   remote      everything else; accepted only from clients in
 *               `mynetworks` (never an open relay).
 *
 *   An unqualified recipient is qualified with `@$myorigin` first.
 *   Relay tricks are remote even when the domain is local, so they need
 *   `mynetworks` like any relay: a local part holding `@` (quoted), `%`
 *   (the "percent hack") or `!` (UUCP bang path), and any source route.
 *
 *   Used by the smtpd session. Pure.
 *
 *   Does NOT look at virtual domains, relay_domains, access maps or SASL;
 *   those arrive with the restriction lists.
 */
import {
  formatMailbox,
  type Mailbox,
  type ParsedPath,
} from "../smtp/address.ts";
import type { Config } from "../config/types.ts";

/** How smtpd treats a recipient. */
export type AddressClass = "postmaster" | "local" | "remote";

/** A recipient as it goes into the envelope, with its class. */
export interface ResolvedRecipient {
  /** Envelope address (external form, no angle brackets). */
  readonly address: string;
  /** How smtpd treats it (see the module comment). */
  readonly addressClass: AddressClass;
  /**
   * For a remote address: no relay trick (`%`, `!`, `@` in the local
   * part, source route), so its domain alone decides whether it is ours
   * (a virtual domain) or a relay.
   */
  readonly plain?: boolean;
}

/** The configuration `resolveRecipient` reads. */
export type ResolvePolicy = Pick<Config, "mydestination" | "myorigin">;

const RELAY_TRICK = /[@%!]/;

/**
 * Resolves the forward-path of RCPT TO.
 * @param path a parsed forward-path (never the null path)
 * @param policy local domains and the origin for unqualified addresses
 */
export function resolveRecipient(
  path: ParsedPath & { readonly mailbox: Mailbox },
  policy: ResolvePolicy,
): ResolvedRecipient {
  const { localPart, domain } = path.mailbox;
  const isPostmaster = localPart.toLowerCase() === "postmaster";
  const localDomain = policy.mydestination[0];
  if (
    domain === "" && isPostmaster && localDomain !== undefined &&
    !path.sourceRoute
  ) {
    return {
      address: formatMailbox({ localPart, domain: localDomain }),
      addressClass: "postmaster",
    };
  }
  const mailbox = domain === ""
    ? { localPart, domain: policy.myorigin.toLowerCase() }
    : path.mailbox;
  const address = formatMailbox(mailbox);
  const plain = !path.sourceRoute && !RELAY_TRICK.test(localPart);
  const local = policy.mydestination.includes(mailbox.domain) && plain;
  if (!local) return { address, addressClass: "remote", plain };
  return { address, addressClass: isPostmaster ? "postmaster" : "local" };
}

/** The envelope form of a sender: unqualified addresses get `@$myorigin`. */
export function resolveSender(
  mailbox: Mailbox | null,
  policy: ResolvePolicy,
): string {
  if (mailbox === null) return "";
  return formatMailbox(
    mailbox.domain === ""
      ? { ...mailbox, domain: policy.myorigin.toLowerCase() }
      : mailbox,
  );
}
