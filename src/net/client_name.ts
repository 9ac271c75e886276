/**
 * How the servers name a client in logs and Received: headers.
 *
 * DESCRIPTION
 *   `clientAddress` turns the peer address a socket reports into the form
 *   Postfix logs: an IPv4 client on a dual-stack socket
 *   (`::ffff:192.0.2.1`, RFC 4291 section 2.5.5.2) becomes `192.0.2.1`.
 *   `clientName` gives the host name: `localhost` for loopback addresses,
 *   else `unknown`, as Postfix writes a client whose name it could not
 *   verify.
 *
 *   Used by the smtpd and pop3d listeners and adapters. Pure.
 *
 *   Does NOT do DNS lookups (reverse or forward-confirmed) in this version.
 */
import { inNetworks } from "../policy/networks.ts";

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
