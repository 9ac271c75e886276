/**
 * A maildrop snapshot as the POP3 session reads it: how many messages,
 * and each one's size and UIDL by index.
 *
 * DESCRIPTION
 *   The session asks for one message's size or UIDL at a time, so a
 *   maildrop may keep its snapshot however it is cheapest: the Maildir one
 *   keeps the file names and a typed array of sizes and makes a UIDL only
 *   when one is asked for (`maildrop_maildir.ts`), about a quarter of the
 *   memory of an object per message. `listingOf` serves a list that is
 *   already one object per message (mbox extents, tests).
 */

/** One message of a snapshot held as an object. */
export interface MaildropMessage {
  /** Unique ID listing (UIDL) value: printable ASCII 0x21–0x7e, ≤ 70. */
  readonly uidl: string;
  /** Size in octets as POP3 transmits it (CRLF line ends, before byte-stuffing). */
  readonly size: number;
}

/** The messages of a snapshot; POP3 message n is index n-1. */
export interface MaildropListing {
  /** How many messages the snapshot has. */
  readonly count: number;
  /** Message `index`'s size in octets as POP3 sends it (CRLF line ends). */
  size(index: number): number;
  /** Message `index`'s UIDL: printable ASCII 0x21–0x7e, at most 70. */
  uidl(index: number): string;
}

/** The listing of messages held one object each. */
export function listingOf(
  messages: readonly MaildropMessage[],
): MaildropListing {
  return {
    count: messages.length,
    size: (index) => messages[index].size,
    uidl: (index) => messages[index].uidl,
  };
}

/** The listing of an empty maildrop (and of one not yet scanned). */
export const EMPTY_LISTING: MaildropListing = listingOf([]);
