/**
 * `sendmail -bv`: what would become of each recipient, without sending.
 *
 * DESCRIPTION
 *   Postfix mails a delivery status report for `sendmail -bv ADDRESS…`;
 *   mailsrv prints the report on standard output instead, one line per
 *   recipient:
 *
 *     <bob@example.org>: deliverable: local (local user or alias)
 *     <nobody@localhost>: undeliverable: 550 5.1.1 <nobody@localhost>: Recipient address rejected: User unknown in local recipient table
 *     <carol@example.com>: deliverable: smtp:example.com (relay)
 *
 *   Each address goes through the same steps as mail: canonical form
 *   (envelope.ts), the address resolver (local, virtual, relay, remote,
 *   refused and the transport), then smtpd's recipient check for the
 *   domains mailsrv answers for (local recipient table and aliases,
 *   virtual maps, relay_recipient_maps). A valid SRS address of ours
 *   is reported as the address it stands for, where smtpd sends the
 *   bounce: `<alice@example.org> (expanded from <SRS0=…>): deliverable: …`.
 *
 *   Exit status: 0 every recipient is deliverable, EX_NOUSER (67) one is
 *   not, EX_TEMPFAIL (75) a lookup failed, EX_DATAERR (65) an address is
 *   not an address.
 *
 *   Needs read access to the tables the resolver and the checks use.
 *
 *   Does NOT connect to remote hosts (a remote address is reported with
 *   its transport and next hop, not probed) or expand aliases.
 */
import type { Config } from "../../config/types.ts";
import { EX } from "../../delivery/sysexits.ts";
import { createSmtpdVerifier } from "../../master/smtpd_verifier.ts";
import { srsRecipientVerdict } from "../../master/srs_recipient.ts";
import { createAddressResolver } from "../../resolve/address_resolver.ts";
import { createVirtualMaps } from "../../resolve/virtual_maps.ts";
import { envelopeRecipients } from "./envelope.ts";

/** One recipient's line of the report and its exit status. */
interface Finding {
  readonly line: string;
  readonly status: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Verifies `recipients` (the argument words) and prints the report.
 * @returns the exit status (see the module comment)
 */
export async function verifyRecipients(
  config: Config,
  recipients: readonly string[],
  print: (text: string) => void,
): Promise<number> {
  const canonical = envelopeRecipients(recipients, config);
  if (!canonical.ok) {
    print(`${canonical.reason}\n`);
    return EX.DATAERR;
  }
  if (canonical.addresses.length === 0) {
    print("Recipient addresses must be specified on the command line\n");
    return EX.USAGE;
  }
  const resolve = createAddressResolver(createVirtualMaps());
  const check = createSmtpdVerifier(() => config);
  const findings: Finding[] = [];
  for (const address of canonical.addresses) {
    findings.push(await verifyOne(address, config, resolve, check));
  }
  print(
    "Mail Delivery Status Report (sendmail -bv; printed here, not mailed)\n",
  );
  for (const finding of findings) print(finding.line + "\n");
  return Math.max(0, ...findings.map((f) => f.status)) === 0
    ? EX.OK
    : findings.some((f) => f.status === EX.TEMPFAIL)
    ? EX.TEMPFAIL
    : EX.NOUSER;
}

async function verifyOne(
  address: string,
  config: Config,
  resolve: ReturnType<typeof createAddressResolver>,
  check: ReturnType<typeof createSmtpdVerifier>,
  reversed = false,
): Promise<Finding> {
  const srs = reversed ? undefined : srsRecipientVerdict(address, config);
  if (srs?.ok === true && srs.address !== undefined) {
    const original = await verifyOne(srs.address, config, resolve, check, true);
    return {
      ...original,
      line: original.line.replace(
        /^<[^>]*>/,
        (to) => `${to} (expanded from <${address}>)`,
      ),
    };
  }
  let resolved;
  try {
    resolved = await resolve(address, config);
  } catch (error) {
    return {
      line: `<${address}>: deferred: lookup failed: ${errorText(error)}`,
      status: EX.TEMPFAIL,
    };
  }
  const transport = resolved.transport;
  if (resolved.addressClass === "refused" || transport === undefined) {
    return {
      line: `<${resolved.address}>: undeliverable: ${resolved.reason}`,
      status: EX.NOUSER,
    };
  }
  const route = transport.name === "local" || transport.name === "virtual"
    ? transport.name
    : `${transport.name}:${transport.nexthop}`;
  if (transport.name === "error") {
    return {
      line: `<${resolved.address}>: undeliverable: ${transport.nexthop}`,
      status: EX.NOUSER,
    };
  }
  let verdict;
  try {
    verdict = await check(resolved.address);
  } catch (error) {
    return {
      line: `<${resolved.address}>: deferred: lookup failed: ${
        errorText(error)
      }`,
      status: EX.TEMPFAIL,
    };
  }
  if (verdict.ok === false) {
    return {
      line: `<${resolved.address}>: ${
        verdict.code >= 500 ? "undeliverable" : "deferred"
      }: ${verdict.code} ${verdict.dsn} ${verdict.text}`,
      status: verdict.code >= 500 ? EX.NOUSER : EX.TEMPFAIL,
    };
  }
  return {
    line: `<${resolved.address}>: deliverable: ${route} ` +
      `(${resolved.addressClass}: ${resolved.reason})`,
    status: EX.OK,
  };
}
