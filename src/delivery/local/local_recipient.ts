/**
 * Who is a valid recipient in a local domain.
 *
 * DESCRIPTION
 *   One answer for two roles: smtpd asks at RCPT time (so unknown users
 *   are rejected with 550 rather than bounced later, Postfix's
 *   local_recipient_maps), and the local delivery agent asks again before
 *   writing a mailbox (defence in depth, and for mail that did not come
 *   through smtpd).
 *
 *   For an address in a local domain:
 *
 *   - an unsafe local part (`local_part.ts`) is refused: 550 5.1.3;
 *   - with `local_recipient_maps` empty, every local part is valid;
 *   - `postmaster` is always valid (RFC 5321 section 4.5.1);
 *   - otherwise the recipient must be in one of the tables. As Postfix's
 *     mail_addr_find, the keys tried are `user+ext@domain`, `user@domain`,
 *     `user+ext` and `user` (lower-cased); `unix:passwd.byname` matches the
 *     bare user name, i.e. "the user exists". A name in `alias_maps` is
 *     valid too (Postfix's default includes $alias_maps). Unknown: 550
 *     5.1.1.
 *
 *   A table that cannot be read gives 451 4.3.0, never a rejection.
 *   Tables are opened once per verifier and follow their files.
 */
import type { Config } from "../../config/types.ts";
import {
  createMapCache,
  LookupTableError,
  type MapCache,
  type MapOptions,
} from "../../maps/mod.ts";
import type { AliasTableCache } from "../../maps/alias_table.ts";
import { createAliasTableCache } from "../../maps/alias_table.ts";
import {
  domainOf,
  isSafeLocalPart,
  localPartOf,
  splitExtension,
} from "../../resolve/local_part.ts";

/** What the tables say about a local recipient. */
export type LocalRecipient =
  | { readonly kind: "unsafe"; readonly localPart: string }
  | { readonly kind: "unknown"; readonly user: string }
  | {
    readonly kind: "known";
    /** Lower-cased, extension removed. */
    readonly user: string;
    readonly extension?: string;
  };

/** The verdict of smtpd's RCPT check for a local domain. */
export type RecipientVerdict =
  | { readonly ok: true }
  | {
    readonly ok: false;
    readonly code: number;
    readonly dsn: string;
    readonly text: string;
  };

/** The keys tried in each table, most specific first, without repeats. */
function lookupKeys(
  localPart: string,
  user: string,
  domain: string,
): string[] {
  const keys = domain === ""
    ? [localPart, user]
    : [`${localPart}@${domain}`, `${user}@${domain}`, localPart, user];
  return [...new Set(keys)];
}

/**
 * Classifies the local recipient `address`.
 * @param maps where `local_recipient_maps` tables are opened
 * @throws LookupTableError when a table cannot be consulted
 */
export async function classifyLocalRecipient(
  address: string,
  config: Pick<
    Config,
    "local_recipient_maps" | "recipient_delimiter" | "alias_maps"
  >,
  maps: MapCache,
  aliases?: AliasTableCache,
): Promise<LocalRecipient> {
  const localPart = localPartOf(address).toLowerCase();
  if (!isSafeLocalPart(localPart)) return { kind: "unsafe", localPart };
  const { user, extension } = splitExtension(
    localPart,
    config.recipient_delimiter,
  );
  const known: LocalRecipient = { kind: "known", user, extension };
  if (config.local_recipient_maps.length === 0 || user === "postmaster") {
    return known;
  }
  const keys = lookupKeys(localPart, user, domainOf(address));
  for (const spec of config.local_recipient_maps) {
    let table;
    try {
      table = maps.open(spec);
    } catch (error) {
      throw new LookupTableError(spec, (error as Error).message);
    }
    for (const key of keys) {
      if (await table.lookup(key) !== undefined) return known;
    }
  }
  for (const spec of aliases ? config.alias_maps : []) {
    const table = aliases!.open(spec);
    for (const name of new Set([localPart, user])) {
      if (await table.lookup(name) !== undefined) return known;
    }
  }
  return { kind: "unknown", user };
}

/**
 * Creates smtpd's recipient check for local domains.
 * @param config the current configuration (read at every call)
 * @param options for the tables (tests pass a passwd file)
 */
export function createRecipientVerifier(
  config: () => Config,
  options: MapOptions = {},
): (address: string) => Promise<RecipientVerdict> {
  const maps = createMapCache(options);
  const aliases = createAliasTableCache({ clock: options.clock });
  return async (address) => {
    let recipient: LocalRecipient;
    try {
      recipient = await classifyLocalRecipient(
        address,
        config(),
        maps,
        aliases,
      );
    } catch (error) {
      if (!(error instanceof LookupTableError)) throw error;
      return {
        ok: false,
        code: 451,
        dsn: "4.3.0",
        text: "Recipient address rejected: Temporary lookup failure",
      };
    }
    switch (recipient.kind) {
      case "known":
        return { ok: true };
      case "unsafe":
        return {
          ok: false,
          code: 550,
          dsn: "5.1.3",
          text:
            "Recipient address rejected: Bad destination mailbox address syntax",
        };
      case "unknown":
        return {
          ok: false,
          code: 550,
          dsn: "5.1.1",
          text:
            "Recipient address rejected: User unknown in local recipient table",
        };
    }
  };
}
