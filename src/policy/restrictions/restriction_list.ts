/**
 * Restriction lists: parsed once, checked at start.
 *
 * DESCRIPTION
 *   A restriction list (`smtpd_recipient_restrictions = permit_mynetworks,
 *   check_client_access hash:/etc/mailsrv/access, reject_rbl_client
 *   zen.example`) arrives split into words at commas and white space, as
 *   Postfix splits it. `parseRestrictionList` groups each restriction with
 *   the arguments it takes (a table, a DNS zone, a policy endpoint), so a
 *   misspelt or incomplete restriction is refused when the configuration
 *   is loaded, naming the parameter, not when the first client meets it.
 *
 *   `openRelayProblem` is Postfix's start-up check: unless
 *   `smtpd_relay_restrictions` or `smtpd_recipient_restrictions` holds a
 *   restriction that refuses mail for other domains
 *   (`reject_unauth_destination`, `defer_unauth_destination`, `reject`,
 *   `defer`, `defer_if_permit`), the server would be an open relay, and
 *   the daemon refuses to start.
 *
 *   Used by the config loader (validation) and by smtpd's evaluator.
 *   Pure.
 */

/** One restriction and its arguments. */
export interface Restriction {
  /** The restriction's name, lower case (`check_client_access`). */
  readonly name: string;
  /** Its arguments: a table, zone or endpoint (empty for most). */
  readonly args: readonly string[];
}

/** How many arguments each known restriction takes. */
export const RESTRICTION_ARITY: Readonly<Record<string, number>> = {
  permit: 0,
  reject: 0,
  defer: 0,
  defer_if_permit: 0,
  defer_if_reject: 0,
  warn_if_reject: 0,
  permit_mynetworks: 0,
  permit_sasl_authenticated: 0,
  permit_pop_before_smtp: 0,
  reject_unauth_destination: 0,
  defer_unauth_destination: 0,
  permit_auth_destination: 0,
  reject_unauth_pipelining: 0,
  reject_non_fqdn_helo_hostname: 0,
  reject_invalid_helo_hostname: 0,
  reject_unknown_helo_hostname: 0,
  reject_non_fqdn_sender: 0,
  reject_sender_login_mismatch: 0,
  reject_non_fqdn_recipient: 0,
  reject_unknown_sender_domain: 0,
  reject_unknown_recipient_domain: 0,
  reject_unlisted_recipient: 0,
  reject_unknown_client_hostname: 0,
  reject_unknown_reverse_client_hostname: 0,
  reject_rbl_client: 1,
  reject_rhsbl_client: 1,
  reject_rhsbl_sender: 1,
  reject_rhsbl_helo: 1,
  reject_rhsbl_recipient: 1,
  check_client_access: 1,
  check_reverse_client_hostname_access: 1,
  check_helo_access: 1,
  check_sender_access: 1,
  check_recipient_access: 1,
  check_policy_service: 1,
  check_greylist: 0,
  reject_spf_fail: 0,
  check_dmarc: 0,
};

/** Postfix's older names, read as the current ones. */
const ALIASES: Readonly<Record<string, string>> = {
  reject_unknown_client: "reject_unknown_client_hostname",
  reject_unknown_hostname: "reject_unknown_helo_hostname",
  reject_invalid_hostname: "reject_invalid_helo_hostname",
  reject_non_fqdn_hostname: "reject_non_fqdn_helo_hostname",
  reject_unverified_recipient: "reject_unlisted_recipient",
  check_relay_domains: "reject_unauth_destination",
};

/** A restriction list that cannot be used; the message names the list. */
export class RestrictionListError extends Error {
  constructor(readonly list: string, readonly problem: string) {
    super(`${list}: ${problem}`);
    this.name = "RestrictionListError";
  }
}

/**
 * Groups the words of a list into restrictions.
 * @param list the parameter name, for errors
 * @throws RestrictionListError on an unknown restriction or a missing argument
 */
export function parseRestrictionList(
  list: string,
  words: readonly string[],
): Restriction[] {
  const result: Restriction[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i].toLowerCase();
    const name = ALIASES[word] ?? word;
    const arity = RESTRICTION_ARITY[name];
    if (arity === undefined) {
      throw new RestrictionListError(
        list,
        `unknown restriction "${words[i]}"`,
      );
    }
    const args = words.slice(i + 1, i + 1 + arity);
    if (args.length < arity) {
      throw new RestrictionListError(
        list,
        `restriction "${words[i]}" needs an argument`,
      );
    }
    if (
      name.startsWith("check_") && arity > 0 &&
      name !== "check_policy_service" && !args[0].includes(":")
    ) {
      throw new RestrictionListError(
        list,
        `restriction "${words[i]}" needs a lookup table "type:name", not "${
          args[0]
        }"`,
      );
    }
    if (
      name === "check_policy_service" &&
      !/^(?:inet:.+:\d+|unix:.+)$/.test(args[0])
    ) {
      throw new RestrictionListError(
        list,
        `check_policy_service needs "inet:host:port" or "unix:/path", not "${
          args[0]
        }"`,
      );
    }
    result.push({ name, args });
    i += arity;
  }
  if (result.at(-1)?.name === "warn_if_reject") {
    throw new RestrictionListError(
      list,
      '"warn_if_reject" must be followed by the restriction it softens',
    );
  }
  return result;
}

/** Restrictions that keep mail for other domains out (Postfix's list). */
const RELAY_GUARDS = new Set([
  "reject_unauth_destination",
  "defer_unauth_destination",
  "reject",
  "defer",
  "defer_if_permit",
]);

/**
 * Why these relay rules would make an open relay, or null when they
 * cannot. A guard softened by `warn_if_reject` does not count.
 */
export function openRelayProblem(
  relay: readonly Restriction[],
  recipient: readonly Restriction[],
): string | null {
  const guarded = (list: readonly Restriction[]) =>
    list.some((r, i) =>
      RELAY_GUARDS.has(r.name) && list[i - 1]?.name !== "warn_if_reject"
    );
  if (guarded(relay) || guarded(recipient)) return null;
  return "in parameter smtpd_relay_restrictions or " +
    "smtpd_recipient_restrictions, specify at least one working instance " +
    "of: reject_unauth_destination, defer_unauth_destination, reject, " +
    "defer or defer_if_permit (otherwise this server is an open relay)";
}
