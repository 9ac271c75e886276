/**
 * smtpd's RCPT check for relay domains (Postfix's relay_recipient_maps).
 *
 * DESCRIPTION
 *   An address the resolver puts in the relay class (its domain is in
 *   relay_domains) is accepted from any client: that is what relay_domains
 *   is for, a backup MX or a gateway for an inside server. Which of its
 *   recipients exist is up to relay_recipient_maps:
 *
 *     relay_recipient_maps empty         → accepted (Postfix's default:
 *                                          every recipient, and the
 *                                          backscatter that comes with it)
 *     an entry for user+ext@domain,      → accepted (the value is not
 *       user@domain or @domain             used, as in Postfix)
 *     no entry                           → 550 5.1.1 User unknown in
 *                                          relay recipient table
 *     a table cannot be read             → 451 4.3.0
 *
 *   The verifier keeps its tables open and follows their files; it reads
 *   the configuration at every call, so a reload applies at once.
 *
 *   Does NOT decide the class: the caller asks the address resolver.
 */
import type { Config } from "../config/types.ts";
import {
  createMapCache,
  LookupTableError,
  type MapCache,
} from "../maps/mod.ts";
import { virtualLookupKeys } from "../resolve/virtual_maps.ts";
import type { RecipientVerdict } from "./local/local_recipient.ts";
import { TEMPORARY_LOOKUP_FAILURE } from "./virtual/virtual_recipient.ts";

/** The verdict for a recipient no relay_recipient_maps table lists. */
export const UNKNOWN_RELAY_RECIPIENT: RecipientVerdict = {
  ok: false,
  code: 550,
  dsn: "5.1.1",
  text: "Recipient address rejected: User unknown in relay recipient table",
};

/**
 * Creates smtpd's recipient check for addresses of relay domains.
 * @param config the current configuration (read at every call)
 * @param tables the tables to share; a new cache when absent
 */
export function createRelayRecipientVerifier(
  config: () => Config,
  tables: MapCache = createMapCache(),
): (address: string) => Promise<RecipientVerdict> {
  return async (address) => {
    const current = config();
    const specs = current.relay_recipient_maps;
    if (specs.length === 0) return { ok: true };
    try {
      for (
        const key of virtualLookupKeys(address, current.recipient_delimiter)
      ) {
        for (const spec of specs) {
          if ((await tables.open(spec).lookup(key)) !== undefined) {
            return { ok: true };
          }
        }
      }
    } catch (error) {
      if (error instanceof LookupTableError) return TEMPORARY_LOOKUP_FAILURE;
      throw error;
    }
    return UNKNOWN_RELAY_RECIPIENT;
  };
}
