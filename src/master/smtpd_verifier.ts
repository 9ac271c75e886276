/**
 * smtpd's recipient check, as the daemon and sendmail's stand-alone mode
 * build it.
 *
 * DESCRIPTION
 *   The address resolver decides the class of a recipient; local domains
 *   are checked by local_recipient_maps and aliases, virtual ones by their
 *   maps, relay domains by relay_recipient_maps; anything else is
 *   `remote` and left to the relay restrictions. A bounce to an SRS
 *   address of ours is verified first.
 *
 *   Used by smtpd's thread (smtpd_worker.ts) and `mailsrv sendmail`.
 *   Reads the tables the resolver and the checks name.
 */
import type { Config } from "../config/types.ts";
import { createRecipientVerifier } from "../delivery/local/local_recipient.ts";
import {
  createVirtualRecipientVerifier,
  TEMPORARY_LOOKUP_FAILURE,
} from "../delivery/virtual/virtual_recipient.ts";
import { createRelayRecipientVerifier } from "../delivery/relay_recipient.ts";
import { LookupTableError } from "../maps/mod.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import type { ResolvedAddress } from "../resolve/resolved_address.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";
import type { RecipientVerdict } from "../smtp/session.ts";
import { srsRecipientVerdict } from "./srs_recipient.ts";

/**
 * smtpd's recipient check: the address resolver decides the class; local
 * domains are checked by local_recipient_maps and aliases, virtual ones
 * by their maps, relay domains by relay_recipient_maps (and accepted
 * from any client); anything else is `remote` and left to the relay
 * restrictions.
 */
export function createSmtpdVerifier(
  config: () => Config,
): (address: string) => Promise<RecipientVerdict> {
  const maps = createVirtualMaps();
  const resolve = createAddressResolver(maps);
  const local = createRecipientVerifier(config);
  const virtual = createVirtualRecipientVerifier(config, { maps, resolve });
  const relay = createRelayRecipientVerifier(config, maps.tables);
  return async (address) => {
    // A bounce to an SRS address of ours: verified, then its sender.
    const srs = srsRecipientVerdict(address, config());
    if (srs !== undefined) return srs;
    let resolved: ResolvedAddress;
    try {
      resolved = await resolve(address, config());
    } catch (error) {
      if (error instanceof LookupTableError) return TEMPORARY_LOOKUP_FAILURE;
      throw error;
    }
    switch (resolved.addressClass) {
      case "local":
        return await local(address);
      case "virtual":
        return await virtual(address) ?? { ok: "remote" };
      case "relay":
        return await relay(address);
      default:
        return { ok: "remote" };
    }
  };
}
