/**
 * The envelope sender of forwarded mail: SRS for mail that leaves the box.
 *
 * DESCRIPTION
 *   A message that an alias, a list or a `.forward` sends on keeps its
 *   sender, unless SRS is on (`srs_domain`) and one of its new recipients
 *   leaves the box (a transport other than local, virtual, error, retry
 *   or discard: the SMTP client, a relay, a pipe): then the sender is
 *   rewritten to its SRS form (`src/srs/`), so the receiver's SPF check
 *   sees this system's domain and a bounce comes back here to be sent on
 *   to the original sender. Mail forwarded to local and virtual
 *   recipients only keeps the original sender, as its readers expect.
 *   The null sender, senders in `srs_exclude_domains` and SRS addresses
 *   already ours are never rewritten.
 *
 *   An address the resolver cannot decide (a table that cannot be read)
 *   counts as leaving: rewriting is harmless, not rewriting breaks SPF.
 *
 *   Used by the resubmission (`resubmit.ts`) in the queue manager's
 *   thread. Reads the SRS secret file once per configuration, and the
 *   resolver's tables.
 */
import type { Config } from "../config/types.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import type { AddressResolver } from "../resolve/address_resolver.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";
import { forwardedSender } from "../srs/mod.ts";

/** Transports that deliver on this system or nowhere. */
const STAYING = new Set(["local", "virtual", "error", "retry", "discard"]);

/** Decides the sender of a resubmitted message for `recipients`. */
export type ForwardSender = (
  sender: string,
  recipients: readonly string[],
) => Promise<string>;

/** Options for `createForwardSender`. */
export interface ForwardSenderOptions {
  /** The address resolver (default: one over fresh virtual maps). */
  readonly resolve?: AddressResolver;
  /** The clock, for the SRS timestamp (default: Date.now). */
  readonly now?: () => number;
}

/**
 * The `ForwardSender` for the configuration in force.
 * @param config the configuration of each resubmission
 */
export function createForwardSender(
  config: () => Config,
  options: ForwardSenderOptions = {},
): ForwardSender {
  const now = options.now ?? Date.now;
  let resolve = options.resolve;
  const leaves = async (address: string, current: Config) => {
    resolve ??= createAddressResolver(createVirtualMaps());
    try {
      const resolved = await resolve(address, current);
      const transport = resolved.transport?.name;
      return transport !== undefined && !STAYING.has(transport);
    } catch {
      return true;
    }
  };
  return async (sender, recipients) => {
    const current = config();
    if (current.srs_domain === "" || sender === "") return sender;
    let leaving = false;
    for (const recipient of recipients) {
      if (await leaves(recipient, current)) {
        leaving = true;
        break;
      }
    }
    if (!leaving) return sender;
    return forwardedSender(sender, current, now());
  };
}
