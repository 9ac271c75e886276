/**
 * Start-up checks of the smtpd restriction lists.
 *
 * DESCRIPTION
 *   `checkRestrictionLists` parses every restriction list once, so a
 *   misspelt restriction or a missing table stops `mailsrv start` (and a
 *   reload) with the parameter named, and refuses relay rules that would
 *   make an open relay, as Postfix's smtpd refuses to run with them.
 *
 *   Used by the config loader. Pure.
 */
import { ConfigError } from "./config_error.ts";
import {
  openRelayProblem,
  parseRestrictionList,
  type Restriction,
  RestrictionListError,
  type RestrictionListName,
} from "../policy/restrictions/mod.ts";
import type { ConfigParameters } from "./parameters.ts";

/** Every restriction list parameter. */
export const RESTRICTION_LISTS: readonly RestrictionListName[] = [
  "smtpd_client_restrictions",
  "smtpd_helo_restrictions",
  "smtpd_sender_restrictions",
  "smtpd_relay_restrictions",
  "smtpd_recipient_restrictions",
  "smtpd_data_restrictions",
  "smtpd_end_of_data_restrictions",
];

/** The parsed restriction lists of a configuration. */
export type ParsedRestrictionLists = Readonly<
  Record<RestrictionListName, readonly Restriction[]>
>;

/**
 * Parses the lists and refuses an open relay.
 * @param file the configuration file, for the error
 * @throws ConfigError naming the parameter and the problem
 */
export function checkRestrictionLists(
  config: Pick<ConfigParameters, RestrictionListName>,
  file: string | null = null,
): ParsedRestrictionLists {
  const lists = {} as Record<RestrictionListName, readonly Restriction[]>;
  for (const name of RESTRICTION_LISTS) {
    try {
      lists[name] = parseRestrictionList(name, config[name]);
    } catch (e) {
      if (!(e instanceof RestrictionListError)) throw e;
      throw new ConfigError(e.problem, { file, key: name });
    }
  }
  const problem = openRelayProblem(
    lists.smtpd_relay_restrictions,
    lists.smtpd_recipient_restrictions,
  );
  if (problem !== null) throw new ConfigError(problem, { file });
  return lists;
}
