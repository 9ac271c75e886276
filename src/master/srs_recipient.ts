/**
 * smtpd's recipient check for SRS addresses of ours (`srs_domain`).
 *
 * DESCRIPTION
 *   A bounce to `SRS0=…@$srs_domain` (or SRS1) is accepted when the
 *   address verifies (hash under one of the secrets, timestamp at most 21
 *   days old), and then goes to the address it stands for: the verdict
 *   carries that address, which replaces the recipient in the envelope
 *   (the SRS address stays as its ORCPT), as Postfix's
 *   recipient_canonical_maps with postsrsd does. One that does not verify
 *   gets 550 5.1.1 at RCPT, so no bounce is sent to a forged address.
 *
 *   Used by the daemon's recipient verifier (daemon.ts). Reads the secret
 *   file once per configuration.
 */
import type { Config } from "../config/types.ts";
import { srsRecipient, SrsSecretError } from "../srs/mod.ts";
import type { RecipientVerdict } from "../smtp/session_types.ts";

/**
 * The verdict for `address`, or undefined when it is no SRS address of
 * ours (the ordinary checks then apply).
 * @param nowMs the current time, for the timestamp check
 */
export function srsRecipientVerdict(
  address: string,
  config: Config,
  nowMs: number = Date.now(),
): RecipientVerdict | undefined {
  let reversal;
  try {
    reversal = srsRecipient(address, config, nowMs);
  } catch (e) {
    if (!(e instanceof SrsSecretError)) throw e;
    return {
      ok: false,
      code: 451,
      dsn: "4.3.0",
      text: "Temporary lookup failure",
    };
  }
  switch (reversal.kind) {
    case "not-srs":
      return undefined;
    case "valid":
      return { ok: true, address: reversal.address };
    case "invalid":
      return {
        ok: false,
        code: 550,
        dsn: "5.1.1",
        text:
          `Recipient address rejected: Invalid SRS address (${reversal.reason})`,
      };
  }
}
