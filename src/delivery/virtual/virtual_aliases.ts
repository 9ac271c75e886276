/**
 * Virtual alias expansion: one address in, the addresses it stands for out.
 *
 * DESCRIPTION
 *   Postfix rewrites recipients through virtual_alias_maps in cleanup(8);
 *   mailsrv does it when routing to a virtual domain and at RCPT time,
 *   with Postfix's rules:
 *
 *   - keys tried: `user@domain`, then (with recipient_delimiter)
 *     `user@domain` without the extension, then the wildcard `@domain`;
 *   - the value is a list of addresses separated by commas or whitespace;
 *     a target `@otherdomain` keeps the local part and changes the domain;
 *   - every target is expanded again, so an alias may point at an alias;
 *     a target that names the address being expanded is delivered, not
 *     expanded again (`user@x  user@x, archive@y` keeps a copy);
 *   - more than `ALIAS_RECURSION_LIMIT` levels (a loop) or more than
 *     `ALIAS_EXPANSION_LIMIT` addresses is a permanent error 5.4.6.
 *
 *   This module only computes addresses; routing them is the agent's job.
 */
import type { Config } from "../../config/types.ts";
import type { MapCache } from "../../maps/mod.ts";
import { domainOf, localPartOf } from "../../resolve/local_part.ts";
import { DeliveryError } from "../types.ts";
import { virtualLookupKeys } from "../../resolve/virtual_maps.ts";

/** Nesting levels before a chain counts as a loop (Postfix: 1000). */
export const ALIAS_RECURSION_LIMIT = 100;

/** Addresses one recipient may expand to (Postfix: 1000). */
export const ALIAS_EXPANSION_LIMIT = 1000;

/** The targets of `value`, `@domain` targets completed with `local`. */
function targetsOf(value: string, local: string): string[] {
  return value.split(/[\s,]+/).filter((t) => t !== "").map((target) =>
    target.startsWith("@") ? `${local}${target}` : target
  );
}

/** The value of the first key any alias table has, if any. */
async function lookupAlias(
  address: string,
  config: Config,
  tables: MapCache,
): Promise<string | undefined> {
  const open = config.virtual_alias_maps.map((spec) => tables.open(spec));
  for (const key of virtualLookupKeys(address, config.recipient_delimiter)) {
    for (const table of open) {
      const value = await table.lookup(key);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

function loop(address: string, why: string): DeliveryError {
  return new DeliveryError(
    `virtual alias expansion of "${address}" ${why}`,
    false,
    "5.4.6",
  );
}

/**
 * Expands `address` through virtual_alias_maps.
 * @returns the final addresses, in order, without duplicates; `[address]`
 *   when no table has an alias for it
 * @throws DeliveryError 5.4.6 on a loop or too many addresses
 * @throws LookupTableError when a table cannot be read
 */
export async function expandVirtualAlias(
  address: string,
  config: Config,
  tables: MapCache,
): Promise<readonly string[]> {
  const result: string[] = [];
  const seen = new Set<string>();
  async function expand(current: string, depth: number): Promise<void> {
    if (depth > ALIAS_RECURSION_LIMIT) {
      throw loop(address, "nests too deep (alias loop?)");
    }
    const value = await lookupAlias(current, config, tables);
    const targets = value === undefined
      ? [current]
      : targetsOf(value, localPartOf(current));
    for (const target of targets) {
      const same = value === undefined ||
        target.toLowerCase() === current.toLowerCase();
      if (same) {
        const key = `${localPartOf(target)}@${domainOf(target)}`;
        if (seen.has(key.toLowerCase())) continue;
        seen.add(key.toLowerCase());
        result.push(target);
        if (result.length > ALIAS_EXPANSION_LIMIT) {
          throw loop(address, "gives too many addresses");
        }
      } else {
        await expand(target, depth + 1);
      }
    }
  }
  await expand(address, 0);
  return result;
}
