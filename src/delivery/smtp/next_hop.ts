/**
 * Where an SMTP transport's nexthop points: host, port, and whether MX
 * records are asked (Postfix's `[host]` convention).
 *
 * DESCRIPTION
 *   `[mx.example.com]:587`  that host, port 587, no MX lookup
 *   `[192.0.2.1]`           that address, port 25
 *   `[ipv6:2001:db8::1]`    an IPv6 address (Postfix's form; `[2001:db8::1]` too)
 *   `smtp.example.com:587`  MX lookup of smtp.example.com, port 587
 *   `example.com`           MX lookup of example.com, port 25
 *
 *   Pure. Used by the SMTP delivery agent.
 */
import { isIP } from "node:net";

/** A parsed nexthop. */
export interface NextHop {
  /** Host name (lower case) or IP address, without brackets. */
  readonly host: string;
  readonly port: number;
  /** Ask for MX records (no brackets, and not an address). */
  readonly mxLookup: boolean;
}

/**
 * Reads a nexthop.
 * @returns undefined when it is not a host, address or port Postfix accepts
 */
export function parseNextHop(
  nexthop: string,
  defaultPort = 25,
): NextHop | undefined {
  const text = nexthop.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    const host = bracketed[1].replace(/^ipv6:/i, "").toLowerCase();
    const port = portOf(bracketed[2], defaultPort);
    if (port === undefined || !validHost(host)) return undefined;
    return { host, port, mxLookup: false };
  }
  const plain = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!plain) return undefined;
  const host = plain[1].toLowerCase().replace(/\.$/, "");
  const port = portOf(plain[2], defaultPort);
  if (port === undefined || !validHost(host)) return undefined;
  return { host, port, mxLookup: isIP(host) === 0 };
}

function portOf(text: string | undefined, fallback: number) {
  if (text === undefined) return fallback;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function validHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/
    .test(host) && host.length <= 253;
}
