/**
 * How the servers name a client in logs and Received: headers.
 *
 * DESCRIPTION
 *   `clientAddress` turns the peer address a socket reports into the form
 *   Postfix logs: an IPv4 client on a dual-stack socket
 *   (`::ffff:192.0.2.1`, RFC 4291 section 2.5.5.2) becomes `192.0.2.1`.
 *   `clientName` gives the host name without DNS: `localhost` for
 *   loopback addresses, else `unknown`, as Postfix writes a client whose
 *   name it could not verify. `lookupClientName` asks the DNS as Postfix's
 *   smtpd does: the PTR name, kept only if its address records lead back
 *   to the client (forward-confirmed), within a time limit.
 *
 *   Used by the smtpd and pop3d listeners and adapters. `lookupClientName`
 *   needs the resolver's net access; the rest is pure.
 */
import { inNetworks, parseIpAddress } from "../policy/networks.ts";
import type { Resolver } from "../dns/resolver.ts";

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

/** The client IP as logged: IPv4-mapped IPv6 addresses unwrapped. */
export function clientAddress(peer: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(peer);
  return mapped === null ? peer : mapped[1];
}

/** `localhost` for a loopback address, else `unknown` (no DNS lookups). */
export function clientName(address: string): string {
  return inNetworks(address, LOOPBACK) ? "localhost" : "unknown";
}

/** A client's names as smtpd sees them (Postfix's `name` and `reverse_name`). */
export interface ClientNames {
  /** Forward-confirmed name, `localhost` for loopback, else `unknown`. */
  readonly name: string;
  readonly address: string;
  /** The PTR name even if its forward lookup does not confirm it. */
  readonly reverseName: string;
  /** A DNS failure (not a missing record) left a name unknown. */
  readonly nameTempfail: boolean;
}

/**
 * Looks up the client's name as Postfix's smtpd does: the PTR name, then
 * its A/AAAA records must include the address (forward-confirmed), else
 * the name is `unknown`. Loopback addresses are `localhost` without DNS.
 * The whole lookup gives up after `timeoutMs` (the name stays unknown,
 * as after a DNS failure).
 */
export async function lookupClientName(
  address: string,
  resolver: Resolver,
  timeoutMs: number,
): Promise<ClientNames> {
  if (inNetworks(address, LOOPBACK)) {
    return {
      name: "localhost",
      address,
      reverseName: "localhost",
      nameTempfail: false,
    };
  }
  const unknown = (tempfail: boolean): ClientNames => ({
    name: "unknown",
    address,
    reverseName: "unknown",
    nameTempfail: tempfail,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ClientNames>((resolve) => {
    timer = setTimeout(() => resolve(unknown(true)), timeoutMs);
  });
  try {
    return await Promise.race([confirmName(address, resolver), timeout]);
  } catch {
    return unknown(true);
  } finally {
    clearTimeout(timer);
  }
}

async function confirmName(
  address: string,
  resolver: Resolver,
): Promise<ClientNames> {
  const parsed = parseIpAddress(address);
  const ptrName = reverseName(address);
  if (parsed === undefined || ptrName === null) {
    return {
      name: "unknown",
      address,
      reverseName: "unknown",
      nameTempfail: false,
    };
  }
  const ptr = await resolver.lookup(ptrName, "PTR");
  if (ptr.status !== "found") {
    return {
      name: "unknown",
      address,
      reverseName: "unknown",
      nameTempfail: ptr.status === "tempfail",
    };
  }
  const name = String(
    (ptr.records[0] as { data?: unknown } | undefined)?.data ?? "",
  ).replace(/\.$/, "")
    .toLowerCase();
  // A DNS server may put any octets in a name; one that is no host name
  // (Postfix's valid_hostname) would carry them into Received:, replies
  // and logs.
  if (!isHostName(name)) {
    return {
      name: "unknown",
      address,
      reverseName: "unknown",
      nameTempfail: false,
    };
  }
  const forward = await resolver.lookup(
    name,
    parsed.family === 4 ? "A" : "AAAA",
  );
  const confirmed = forward.status === "found" &&
    forward.records.some((r) =>
      parseIpAddress(String((r as { data?: unknown }).data))?.text ===
        parsed.text
    );
  return {
    name: confirmed ? name : "unknown",
    address,
    reverseName: name,
    nameTempfail: forward.status === "tempfail",
  };
}

/** The PTR query name of an address (in-addr.arpa / ip6.arpa). */
export function reverseName(address: string): string | null {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return null;
  if (parsed.family === 4) {
    return `${[...parsed.bytes].reverse().join(".")}.in-addr.arpa`;
  }
  const nibbles = parsed.bytes.flatMap((b) => [b >> 4, b & 15]);
  return `${nibbles.reverse().map((n) => n.toString(16)).join(".")}.ip6.arpa`;
}

const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Letters, digits, `-` and `_` in dot-separated labels, as Postfix checks. */
function isHostName(name: string): boolean {
  return name.length > 0 && name.length <= 255 &&
    name.split(".").every((label) => HOST_LABEL.test(label));
}
