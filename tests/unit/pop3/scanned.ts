/**
 * A maildrop's snapshot as plain messages, for assertions: the listing
 * `scan` gives, read out message by message.
 */
import type { Maildrop, MaildropMessage } from "../../../src/pop3/types.ts";

/** Scans `maildrop` and returns its messages in order. */
export async function scanned(maildrop: Maildrop): Promise<MaildropMessage[]> {
  const listing = await maildrop.scan();
  return Array.from(
    { length: listing.count },
    (_, i) => ({ uidl: listing.uidl(i), size: listing.size(i) }),
  );
}
