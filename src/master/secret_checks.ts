/**
 * Start-up and reload check of the secrets the configuration names: the
 * `[[dkim]]` keys and, with `srs_domain`, the SRS secret file.
 *
 * DESCRIPTION
 *   A secret that cannot be read, is readable by other users, or holds
 *   nothing usable refuses `mailsrv start` and a reload (the daemon keeps
 *   its old configuration), rather than sending unsigned mail or forwarded
 *   mail whose bounces cannot come home.
 *
 *   Used by the daemon (daemon.ts). Reads the files.
 */
import type { Config } from "../config/types.ts";
import { ConfigError } from "../config/config_error.ts";
import { dkimKeyProblems } from "../dkim/signing_key.ts";
import { srsProblems } from "../srs/mod.ts";

/**
 * @throws ConfigError naming the configuration file and the first
 *   problem
 */
export function refuseUnusableSecrets(config: Config): void {
  const [first, ...more] = [
    ...dkimKeyProblems(config.dkim),
    ...srsProblems(config),
  ];
  if (first === undefined) return;
  throw new ConfigError(
    first +
      (more.length ? ` (and ${more.length} more; see "mailsrv check")` : ""),
    { file: config.configFile },
  );
}
