/**
 * smtpd_sender_login_maps: which SASL users own an envelope sender.
 *
 * DESCRIPTION
 *   `smtpd_sender_login_maps` says who owns an envelope sender: a table
 *   from the address (or `@domain`) to the SASL user names allowed to
 *   use it, separated by commas or spaces (Postfix's format).
 *   `senderLoginOwners` looks an address up in those tables, full
 *   address first, then `@domain`; the first table with an answer wins.
 *
 *   The restriction evaluator's reject_sender_login_mismatch
 *   (src/policy/restrictions/) asks it through the smtpd adapter's
 *   lookups (`restriction_lookups.ts`) and decides.
 *
 *   Pure apart from the tables it is given.
 */
import type { LookupTable } from "../maps/mod.ts";

/**
 * The owners `tables` (smtpd_sender_login_maps, opened) list for `sender`.
 * @throws LookupTableError when a table cannot be consulted
 */
export async function senderLoginOwners(
  sender: string,
  tables: readonly LookupTable[],
): Promise<readonly string[] | null> {
  const at = sender.lastIndexOf("@");
  const keys = at < 0 ? [sender] : [sender, sender.slice(at)];
  for (const table of tables) {
    for (const key of keys) {
      const value = await table.lookup(key);
      if (value !== undefined) {
        return value.split(/[\s,]+/).filter((owner) => owner !== "");
      }
    }
  }
  return null;
}
