/**
 * reject_sender_login_mismatch: may this client send as this sender?
 *
 * DESCRIPTION
 *   `smtpd_sender_login_maps` says who owns an envelope sender: a table
 *   from the address (or `@domain`) to the SASL user names allowed to
 *   use it, separated by commas or spaces (Postfix's format).
 *   `senderLoginOwners` looks an address up in those tables, full
 *   address first, then `@domain`; the first table with an answer wins.
 *
 *   `senderLoginMismatch` is Postfix's reject_sender_login_mismatch: it
 *   refuses (553 5.7.1) a sender that has an owner when the client did
 *   not log in (`not logged in`), and a sender the logged-in user does
 *   not own, listed or not (`not owned by user NAME`). The null sender
 *   is never refused. It is meant to be called by the restriction
 *   evaluator at MAIL (or at RCPT with smtpd_delay_reject); it reads only
 *   `authenticatedUser` from the session.
 *
 *   Pure apart from the lookup it is given.
 */
import type { LookupTable } from "../maps/mod.ts";
import { type Reply, reply } from "./replies.ts";
import type { SmtpSession } from "./session_types.ts";

/** The owners of a sender: SASL user names, or null when none is listed. */
export type SenderOwnerLookup = (
  sender: string,
) => Promise<readonly string[] | null>;

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

/**
 * Postfix's reject_sender_login_mismatch for MAIL FROM `sender`: the
 * refusal, or null when the client may use the address.
 * @param lookup the owners per smtpd_sender_login_maps (`senderLoginOwners`)
 */
export async function senderLoginMismatch(
  session: Pick<SmtpSession, "authenticatedUser">,
  sender: string,
  lookup: SenderOwnerLookup,
): Promise<Reply | null> {
  if (sender === "") return null;
  const owners = await lookup(sender);
  const user = session.authenticatedUser;
  if (user === null) {
    return owners === null ? null : refusal(sender, "not logged in");
  }
  const owned = owners?.some((o) => o.toLowerCase() === user.toLowerCase());
  return owned ? null : refusal(sender, `not owned by user ${user}`);
}

function refusal(sender: string, why: string): Reply {
  return reply(553, "5.7.1", `<${sender}>: Sender address rejected: ${why}`);
}
