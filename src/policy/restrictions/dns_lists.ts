/**
 * DNS block lists: reject_rbl_client and the reject_rhsbl_* checks.
 *
 * DESCRIPTION
 *   reject_rbl_client ZONE[=d.d.d.d]   the client address, octets (IPv4)
 *                                      or nibbles (IPv6) reversed, under
 *                                      ZONE: 2.0.0.127.zen.example
 *   reject_rhsbl_client ZONE           the client host name under ZONE
 *   reject_rhsbl_sender ZONE           the sender's domain under ZONE
 *   reject_rhsbl_helo ZONE             the HELO name under ZONE
 *   reject_rhsbl_recipient ZONE        the recipient's domain under ZONE
 *
 *   A listing is an A record; with `=d.d.d.d` only that answer counts.
 *   A DNS failure is no listing (Postfix ignores it too). The reply is
 *   Postfix's: `554 5.7.1 Service unavailable; Client host [192.0.2.1]
 *   blocked using zen.example`, followed by `; TEXT` when the zone has a
 *   TXT record for the name.
 *
 *   Used by the restriction evaluator. Pure apart from the injected
 *   DNS lookup.
 */
import { parseIpAddress } from "../ip_address.ts";
import type {
  RestrictionLookups,
  RestrictionReply,
  RestrictionRequest,
} from "./types.ts";

/** A listing: what was listed, in which zone, and the zone's text. */
export interface DnsListHit {
  /** `Client host`, `Sender address`, `Helo command`, … */
  readonly class: string;
  /** The listed value (address or domain). */
  readonly what: string;
  readonly zone: string;
  readonly txt: string | null;
}

/** The DNS name to ask for an address under `zone` (RFC 5782 section 2.1). */
export function reversedAddressName(
  address: string,
  zone: string,
): string | null {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return null;
  if (parsed.family === 4) {
    return `${[...parsed.bytes].reverse().join(".")}.${zone}`;
  }
  const nibbles = parsed.bytes.flatMap((b) => [b >> 4, b & 15]);
  return `${nibbles.reverse().map((n) => n.toString(16)).join(".")}.${zone}`;
}

/** Checks one list; the hit, or null when not listed. */
export async function checkDnsList(
  restriction: string,
  argument: string,
  r: RestrictionRequest,
  lookups: RestrictionLookups,
): Promise<DnsListHit | null> {
  const equals = argument.indexOf("=");
  const zone = (equals === -1 ? argument : argument.slice(0, equals))
    .toLowerCase();
  const expected = equals === -1 ? null : argument.slice(equals + 1);
  const subject = listedSubject(restriction, r);
  if (subject === null) return null;
  const name = restriction === "reject_rbl_client"
    ? reversedAddressName(subject.what, zone)
    : `${subject.what.toLowerCase().replace(/\.$/, "")}.${zone}`;
  if (name === null) return null;
  const answer = await lookups.dns(name, "A");
  if (answer.status !== "found") return null;
  if (expected !== null && !answer.values.includes(expected)) return null;
  const txt = await lookups.dns(name, "TXT");
  return {
    ...subject,
    zone,
    txt: txt.status === "found" ? txt.values[0] ?? null : null,
  };
}

function listedSubject(
  restriction: string,
  r: RestrictionRequest,
): { class: string; what: string } | null {
  const domain = (address: string | null) => {
    if (address === null) return null;
    const at = address.lastIndexOf("@");
    return at === -1 || at === address.length - 1
      ? null
      : address.slice(at + 1);
  };
  let what: string | null;
  let kind: string;
  switch (restriction) {
    case "reject_rbl_client":
      [what, kind] = [r.clientAddress, "Client host"];
      break;
    case "reject_rhsbl_client":
      [what, kind] = [
        r.clientName === "unknown" ? null : r.clientName,
        "Client host",
      ];
      break;
    case "reject_rhsbl_sender":
      [what, kind] = [domain(r.sender), "Sender address"];
      break;
    case "reject_rhsbl_helo":
      [what, kind] = [
        r.helo === null || r.helo.startsWith("[") ? null : r.helo,
        "Helo command",
      ];
      break;
    default:
      [what, kind] = [domain(r.recipient), "Recipient address"];
  }
  return what === null ? null : { class: kind, what };
}

/** Postfix's reply for a listing (maps_rbl_reject_code 554). */
export function dnsListReply(hit: DnsListHit): RestrictionReply {
  const text =
    `Service unavailable; ${hit.class} [${hit.what}] blocked using ${hit.zone}` +
    (hit.txt === null ? "" : `; ${hit.txt}`);
  return { code: 554, dsn: "5.7.1", text };
}
