/**
 * Start-up and reload check of SRS (`srs_domain`, `srs_secret_file`).
 *
 * DESCRIPTION
 *   With `srs_domain` set, a secret file that is missing, unreadable,
 *   readable by other users or empty, or an `srs_domain` that is no
 *   domain name, refuses `mailsrv start` and a reload (the daemon keeps
 *   its old configuration), rather than forwarding with senders that
 *   receivers' SPF checks then refuse, or accepting bounces it cannot
 *   verify.
 *
 *   Used by the daemon (daemon.ts). Reads the secret file.
 */
import type { Config } from "../config/types.ts";
import { ConfigError } from "../config/config_error.ts";
import { srsProblems } from "../srs/mod.ts";

/**
 * @throws ConfigError naming the configuration file and the first
 *   problem
 */
export function refuseUnusableSrs(config: Config): void {
  const [first] = srsProblems(config);
  if (first === undefined) return;
  throw new ConfigError(first, { file: config.configFile });
}
