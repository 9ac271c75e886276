/**
 * Files the embedded default creates on its first start, so a newcomer
 * finds them where the README says: today the aliases file under ./var.
 *
 * Only for the embedded default (no configuration file): with a file, the
 * administrator's aliases are theirs to create (`newaliases` checks them).
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";

const STARTER_ALIASES = `# mailsrv aliases (aliases(5) syntax, as /etc/aliases).
# name: target, target...   targets: user, user@remote.example, /path/file,
# /path/maildir/, "|command", :include:/path/list. Changes are picked up
# automatically; "mailsrv newaliases" checks this file.
#
# postmaster: you
# team: alice, bob
`;

/** Creates the starter aliases file of the embedded default if missing. */
export async function createStarterFiles(config: Config): Promise<void> {
  if (config.configFile !== null) return;
  for (const spec of config.alias_maps) {
    const path = spec.replace(/^(hash|texthash):/, "");
    if (path === spec) continue;
    await Deno.mkdir(dirname(path), { recursive: true });
    try {
      await Deno.writeTextFile(path, STARTER_ALIASES, { createNew: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}
