/**
 * smtpd_relay_restrictions: may this client relay?
 *
 * DESCRIPTION
 *   `relayDecision` applies the `smtpd_relay_restrictions` list to a
 *   recipient outside the local domains (or a relay trick), as Postfix's
 *   smtpd does: items are evaluated in order, the first that permits or
 *   rejects decides, and a list that decides nothing rejects (mailsrv is
 *   never an open relay by omission). Items:
 *
 *   permit_mynetworks        permit when the client is in `mynetworks`
 *   permit_pop_before_smtp   permit when the client's address logged in
 *                            to POP3 within `pop_before_smtp_window`
 *   permit_sasl_authenticated  permit when the client logged in (AUTH)
 *   reject_unauth_destination  reject (the recipient is not ours)
 *   reject                   reject
 *
 *   An item mailsrv does not know is a configuration error: the recipient
 *   gets Postfix's 451 4.3.5 and the adapter logs a warning, rather than
 *   skipping a restriction the administrator meant.
 *
 *   Used by the smtpd session (`commands.ts`). Pure: the facts about the
 *   client are gathered once at connect by the adapter.
 *
 *   Does NOT implement access maps, check_* lookups or relay_domains.
 */

/** What smtpd knows about the client when it decides. */
export interface RelayClientFacts {
  /** The client address is in `mynetworks`. */
  readonly inMynetworks: boolean;
  /** The client address logged in to POP3 within the window. */
  readonly popBeforeSmtp: boolean;
  /** The client logged in with SMTP AUTH. */
  readonly saslAuthenticated?: boolean;
}

/** The outcome for one recipient. */
export type RelayDecision =
  | { readonly verdict: "permit" }
  | { readonly verdict: "reject" }
  /** The list holds an item mailsrv does not know. */
  | { readonly verdict: "misconfigured"; readonly item: string };

const PERMIT = { verdict: "permit" } as const;
const REJECT = { verdict: "reject" } as const;

/**
 * Applies `restrictions` in order to a client that wants to relay.
 * @param restrictions `smtpd_relay_restrictions` items
 * @param client facts about the client gathered at connect
 */
export function relayDecision(
  restrictions: readonly string[],
  client: RelayClientFacts,
): RelayDecision {
  for (const raw of restrictions) {
    const item = raw.trim().toLowerCase();
    switch (item) {
      case "permit_mynetworks":
        if (client.inMynetworks) return PERMIT;
        continue;
      case "permit_pop_before_smtp":
        if (client.popBeforeSmtp) return PERMIT;
        continue;
      case "permit_sasl_authenticated":
        if (client.saslAuthenticated) return PERMIT;
        continue;
      case "reject_unauth_destination":
      case "reject":
        return REJECT;
      default:
        return { verdict: "misconfigured", item: raw };
    }
  }
  return REJECT;
}

/** Whether the list can ever ask about pop-before-smtp (skip the lookup if not). */
export function usesPopBeforeSmtp(restrictions: readonly string[]): boolean {
  return restrictions.some((item) =>
    item.trim().toLowerCase() === "permit_pop_before_smtp"
  );
}
