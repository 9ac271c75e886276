/**
 * Start-up and reload check of the `[[dkim]]` keys.
 *
 * DESCRIPTION
 *   A key that cannot be read, is readable by other users, or is no RSA
 *   or Ed25519 key refuses `mailsrv start` and a reload (the daemon keeps
 *   its old configuration), rather than sending unsigned mail that
 *   receivers' DMARC checks then reject.
 *
 *   Used by the daemon (daemon.ts). Reads the key files.
 */
import type { Config } from "../config/types.ts";
import { ConfigError } from "../config/config_error.ts";
import { dkimKeyProblems } from "../dkim/signing_key.ts";

/**
 * @throws ConfigError naming the configuration file and the first
 *   problem
 */
export function refuseUnusableDkimKeys(config: Config): void {
  const [first, ...more] = dkimKeyProblems(config.dkim);
  if (first === undefined) return;
  throw new ConfigError(
    first +
      (more.length ? ` (and ${more.length} more; see "mailsrv check")` : ""),
    { file: config.configFile },
  );
}
