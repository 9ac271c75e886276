/**
 * smtpd's RCPT check for virtual mailbox domains.
 *
 * DESCRIPTION
 *   Postfix rejects mail for unknown users of a virtual mailbox domain at
 *   RCPT time (smtpd_reject_unlisted_recipient), so no bounce is ever sent
 *   to a forged sender. The check agrees with the virtual delivery agent
 *   because it asks the same tables the same way:
 *
 *     not a virtual mailbox domain      → undefined (another check decides;
 *                                         the address resolver says which)
 *     unsafe local part                 → 550 5.1.3
 *     virtual_alias_maps expands it     → accepted (the targets decide)
 *     alias loop                        → 550 5.4.6
 *     virtual_mailbox_maps has it       → accepted
 *     … with a value delivery refuses   → 550 5.1.3 (no bounce later)
 *     … a mailbox the guard refuses     → 451 4.3.0 when it reaches a
 *       (layout/mailbox_guard.ts)         protected file, 550 5.1.1 for a
 *                                         reserved name; a `warning:`
 *                                         line names the map entry
 *     otherwise                         → 550 5.1.1 User unknown in
 *                                         virtual mailbox table
 *     a table cannot be read            → 451 4.3.0
 *
 *   The verifier keeps its tables open and follows their files; it reads
 *   the configuration at every call, so a reload applies at once.
 */
import type { Config } from "../../config/types.ts";
import { checkMailbox } from "../../layout/mod.ts";
import { maillog } from "../../log/maillog.ts";
import { LookupTableError, type MapOptions } from "../../maps/mod.ts";
import { isSafeLocalPart, localPartOf } from "../../resolve/local_part.ts";
import {
  type AddressResolver,
  createAddressResolver,
} from "../../resolve/address_resolver.ts";
import type { RecipientVerdict } from "../local/local_recipient.ts";
import { DeliveryError } from "../types.ts";
import { expandVirtualAlias } from "./virtual_aliases.ts";
import {
  createVirtualMaps,
  VirtualConfigError,
  type VirtualMaps,
} from "../../resolve/virtual_maps.ts";

export { isVirtualDomain } from "../../resolve/virtual_maps.ts";

/** Options for `createVirtualRecipientVerifier`. */
export interface VirtualRecipientOptions {
  /** Tables to share; a new set when absent. */
  readonly maps?: VirtualMaps;
  /** The address resolver to share; one over `maps` when absent. */
  readonly resolve?: AddressResolver;
  /** Options for tables opened here. */
  readonly mapOptions?: MapOptions;
}

function reject(code: number, dsn: string, text: string): RecipientVerdict {
  return { ok: false, code, dsn, text: `Recipient address rejected: ${text}` };
}

/** The verdict when a table cannot be read: try again later. */
export const TEMPORARY_LOOKUP_FAILURE = reject(
  451,
  "4.3.0",
  "Temporary lookup failure",
);

/** The verdict for an address in a virtual mailbox domain. */
async function verdictFor(
  address: string,
  config: Config,
  maps: VirtualMaps,
): Promise<RecipientVerdict> {
  if (!isSafeLocalPart(localPartOf(address))) {
    return reject(550, "5.1.3", "Bad destination mailbox address syntax");
  }
  let expanded: readonly string[];
  try {
    expanded = await expandVirtualAlias(address, config, maps.tables);
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    return reject(550, error.dsn, "Virtual alias loop");
  }
  if (expanded.length !== 1 || expanded[0] !== address) return { ok: true };
  const found = await maps.findMailbox(address, config);
  switch (found.kind) {
    case "found": {
      const refusal = await checkMailbox(config, found.mailbox, "virtual");
      if (!refusal) return { ok: true };
      maillog("smtpd").warning(
        `virtual_mailbox_maps entry for <${address}> refused: ${refusal.reason}`,
      );
      return refusal.kind === "protected"
        ? TEMPORARY_LOOKUP_FAILURE
        : reject(550, "5.1.1", "User unknown in virtual mailbox table");
    }
    case "unsafe":
      return reject(550, "5.1.3", "Bad destination mailbox address syntax");
    case "unknown":
      return reject(550, "5.1.1", "User unknown in virtual mailbox table");
  }
}

/**
 * Creates smtpd's recipient check for virtual mailbox domains.
 * @param config the current configuration (read at every call)
 * @returns a check resolving to undefined for addresses outside virtual
 *   mailbox domains
 */
export function createVirtualRecipientVerifier(
  config: () => Config,
  options: VirtualRecipientOptions = {},
): (address: string) => Promise<RecipientVerdict | undefined> {
  const maps = options.maps ??
    createVirtualMaps({ mapOptions: options.mapOptions });
  const resolve = options.resolve ?? createAddressResolver(maps);
  return async (address) => {
    const current = config();
    try {
      const resolved = await resolve(address, current);
      if (resolved.addressClass !== "virtual") return undefined;
      return await verdictFor(address, current, maps);
    } catch (error) {
      if (error instanceof LookupTableError) return TEMPORARY_LOOKUP_FAILURE;
      if (error instanceof VirtualConfigError) return TEMPORARY_LOOKUP_FAILURE;
      throw error;
    }
  };
}
