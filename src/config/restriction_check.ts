/**
 * Start-up checks of the smtpd restriction lists.
 *
 * DESCRIPTION
 *   `checkRestrictionLists` parses every restriction list once, so a
 *   misspelt restriction or a missing table stops `mailsrv start` (and a
 *   reload) with the parameter named, and refuses relay rules that would
 *   make an open relay, as Postfix's smtpd refuses to run with them — in
 *   the main lists and in every SMTP listener's overrides.
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
import type { Config } from "./types.ts";
import { isSmtpdKind, listenerConfig } from "./listener_parameters.ts";

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
  where = "",
): ParsedRestrictionLists {
  const lists = {} as Record<RestrictionListName, readonly Restriction[]>;
  for (const name of RESTRICTION_LISTS) {
    try {
      lists[name] = parseRestrictionList(name, config[name]);
    } catch (e) {
      if (!(e instanceof RestrictionListError)) throw e;
      throw new ConfigError(e.problem, { file, key: where + name });
    }
  }
  const problem = openRelayProblem(
    lists.smtpd_relay_restrictions,
    lists.smtpd_recipient_restrictions,
  );
  if (problem !== null) {
    throw new ConfigError(
      where === "" ? problem : `${where.slice(0, -2)}: ${problem}`,
      { file },
    );
  }
  return lists;
}

/**
 * Checks the lists of every SMTP listener with its own overrides laid
 * over the main ones (`master.cf -o`), so a listener cannot open a relay
 * that the main lists close.
 * @throws ConfigError naming the listener and the problem
 */
export function checkListenerRestrictionLists(
  config: Config,
  file: string | null = null,
): void {
  for (const listener of config.listeners) {
    if (!isSmtpdKind(listener.kind) || listener.smtpd === undefined) continue;
    checkRestrictionLists(
      listenerConfig(config, listener),
      file,
      `listener ${listener.address}:${listener.port}: `,
    );
  }
}
