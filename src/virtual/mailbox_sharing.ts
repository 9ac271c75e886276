/**
 * Which other virtual users a mailbox path belongs to.
 *
 * DESCRIPTION
 *   Two map lines may name the same mailbox, or one inside the other (a
 *   Maildir catch-all around a user's mbox), by mistake or on purpose.
 *   `mailboxSharers(policy, mapText, key, path)` lists the other keys of
 *   the mailbox map whose mailbox is, contains or sits inside `path`,
 *   comparing real paths (symbolic links followed), so `mailsrv user add`
 *   does not hand one user another's mail and `user del --purge` never
 *   removes mail another user still receives.
 *
 *   Map values that are not inside virtual_mailbox_base are skipped here
 *   (delivery refuses them anyway).
 *
 *   Used by `user_admin.ts`. Reads the directories on the way.
 */
import { isInside, realPathOf } from "../layout/mod.ts";
import { AdminError } from "./admin_error.ts";
import { tableKeys, tableValue } from "./table_text.ts";
import { type LayoutPolicy, mailboxPath } from "./virtual_layout.ts";

/**
 * The keys, other than `key`, whose mailbox overlaps `path`.
 * @param mapText the mailbox map's text
 */
export function mailboxSharers(
  policy: LayoutPolicy,
  mapText: string,
  key: string,
  path: string,
): string[] {
  const mine = realPathOf(path);
  const sharers: string[] = [];
  for (const other of tableKeys(mapText)) {
    if (other === key) continue;
    const value = tableValue(mapText, other);
    if (value === undefined) continue;
    let theirs: string;
    try {
      theirs = realPathOf(mailboxPath(policy, value));
    } catch (error) {
      if (error instanceof AdminError) continue;
      throw error;
    }
    if (
      theirs === mine || isInside(theirs, mine) || isInside(mine, theirs)
    ) {
      sharers.push(other);
    }
  }
  return sharers;
}
