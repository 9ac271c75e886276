/**
 * The envelope of a local submission: sender and recipients from the
 * command line (and, with -t, the headers).
 *
 * DESCRIPTION
 *   Each recipient argument is read as an address list, as Postfix does
 *   (`sendmail "Bob <bob@x>, carol"` has two recipients). Every address
 *   must be a valid envelope address (RFC 5321 grammar, as smtpd checks
 *   RCPT TO); it is then put in canonical form as trivial-rewrite does
 *   for local mail: an unqualified address gets `@$myorigin` (a bare
 *   `postmaster` the first mydestination domain), the domain is folded to
 *   lower case. Duplicates are dropped, as Postfix's cleanup drops them.
 *
 *   The sender is `-f`/`-r` (its first address; empty or `<>` for the
 *   null sender), else the login name; it is qualified the same way.
 *
 *   Pure. Used by local_submission.ts.
 *
 *   Does NOT look recipients up (that is delivery's job, or `-bv`'s).
 */
import type { Config } from "../../config/types.ts";
import {
  rewriteAddress,
  rewriteSender,
} from "../../resolve/rewrite_address.ts";
import { formatMailbox, parsePath } from "../../smtp/address.ts";
import { addressesIn } from "./address_list.ts";

/** Addresses in canonical form, or the first one that is not an address. */
export type EnvelopeAddresses =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly reason: string };

type RewriteFacts = Pick<Config, "myorigin" | "mydestination">;

/** One address in external form, checked and in canonical form. */
export function canonicalRecipient(
  address: string,
  config: RewriteFacts,
): { ok: true; address: string } | { ok: false; reason: string } {
  const parsed = parsePath(`<${address}>`, { allowNull: false });
  if (!parsed.ok || parsed.parameters !== "" || !parsed.path.mailbox) {
    return {
      ok: false,
      reason: `bad address syntax: "${address}"${
        parsed.ok ? "" : ` (${parsed.reason})`
      }`,
    };
  }
  return {
    ok: true,
    address: rewriteAddress(formatMailbox(parsed.path.mailbox), config)
      .address,
  };
}

/**
 * The recipients in `lists` (arguments or header values), in order,
 * without duplicates.
 */
export function envelopeRecipients(
  lists: readonly string[],
  config: RewriteFacts,
): EnvelopeAddresses {
  const seen = new Set<string>();
  const addresses: string[] = [];
  for (const list of lists) {
    const found = addressesIn(list);
    if (!found.ok) {
      return {
        ok: false,
        reason: `bad address syntax: "${list}" (${found.reason})`,
      };
    }
    for (const address of found.addresses) {
      const checked = canonicalRecipient(address, config);
      if (!checked.ok) return checked;
      if (seen.has(checked.address)) continue;
      seen.add(checked.address);
      addresses.push(checked.address);
    }
  }
  return { ok: true, addresses };
}

/**
 * The envelope sender: `-f` (its first address) or the login name,
 * qualified; "" for the null sender.
 */
export function envelopeSender(
  given: string | undefined,
  login: string,
  config: RewriteFacts,
): { ok: true; sender: string } | { ok: false; reason: string } {
  if (given === undefined) {
    const checked = canonicalRecipient(login, config);
    if (!checked.ok) return checked;
    return { ok: true, sender: rewriteSender(login, config) };
  }
  const found = addressesIn(given);
  if (!found.ok) {
    return {
      ok: false,
      reason: `bad sender address: "${given}" (${found.reason})`,
    };
  }
  const first = found.addresses[0];
  if (first === undefined || first === "") return { ok: true, sender: "" };
  const parsed = parsePath(`<${first}>`, { allowNull: false });
  if (!parsed.ok || parsed.parameters !== "" || !parsed.path.mailbox) {
    return { ok: false, reason: `bad sender address: "${given}"` };
  }
  return {
    ok: true,
    sender: rewriteSender(formatMailbox(parsed.path.mailbox), config),
  };
}
