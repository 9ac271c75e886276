/**
 * Nexthop destinations of the SMTP transports, as Postfix's smtp(8)
 * reads them.
 *
 * DESCRIPTION
 *   The address resolver gives the `smtp` and `relay` transports a
 *   nexthop from transport_maps, relayhost, sender_dependent_relayhost_maps
 *   or the recipient domain; the SMTP client reads it here:
 *
 *     example.com              MX lookup for example.com, port 25
 *     mail.example.com:587     MX lookup, then port 587 on each MX host
 *     [mail.example.com]       that host's addresses, no MX lookup
 *     [mail.example.com]:587   the same on port 587
 *     [192.0.2.1]:2525         that address (an IP address needs [])
 *     [ipv6:2001:db8::1]:25    an IPv6 address, with or without the
 *     [2001:db8::1]              `ipv6:` prefix
 *
 *   A port may be a number or one of the service names smtp (25),
 *   submission (587), smtps and submissions (465) and lmtp (24). An IPv4
 *   address written without brackets is taken as an address, not looked
 *   up as a domain (Postfix would look for its MX records and fail); an
 *   IPv6 address without brackets is refused, as its colons are ambiguous
 *   with the port's. Host names are folded to lower case and lose a
 *   trailing dot.
 *
 *   `parseNexthopList` reads a list separated by commas or whitespace
 *   (relayhost = `mail1.example:587, mail2.example:587`, Postfix 3.5).
 *
 *   Pure. Does NOT look anything up.
 *
 * DIAGNOSTICS
 *   A destination that cannot be read throws NexthopSyntaxError, whose
 *   message quotes it.
 */
import { isIP } from "node:net";

/** One destination the SMTP client connects to. */
export interface Nexthop {
  /**
   * The domain (MX lookup) or host name, lower-cased; or the IP address,
   * for IPv6 without brackets or `ipv6:` prefix.
   */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
  /** True: `host` is a domain whose MX hosts receive the mail. */
  readonly mxLookup: boolean;
  /** Set when `host` is an IP address. */
  readonly ipVersion?: 4 | 6;
}

/** A nexthop destination that cannot be read. */
export class NexthopSyntaxError extends Error {
  constructor(readonly nexthop: string, problem: string) {
    super(`bad nexthop destination "${nexthop}": ${problem}`);
    this.name = "NexthopSyntaxError";
  }
}

/** The service names a port may be given by. */
const SERVICES: Readonly<Record<string, number>> = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  submissions: 465,
  lmtp: 24,
};

const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$/;

/** The port of `text` (a number or a service name). */
function portOf(text: string, nexthop: string): number {
  if (/^\d{1,5}$/.test(text)) {
    const port = Number(text);
    if (port >= 1 && port <= 65535) return port;
  } else if (Object.hasOwn(SERVICES, text.toLowerCase())) {
    return SERVICES[text.toLowerCase()];
  }
  throw new NexthopSyntaxError(
    nexthop,
    `"${text}" is not a port number (1-65535) or service name`,
  );
}

/** A host name folded, or the error naming why it is not one. */
function hostNameOf(text: string, nexthop: string): string {
  const host = text.toLowerCase().replace(/\.$/, "");
  if (host === "") throw new NexthopSyntaxError(nexthop, "no host name");
  if (!HOST_NAME.test(host) || host.includes("..")) {
    throw new NexthopSyntaxError(nexthop, `"${text}" is not a host name`);
  }
  return host;
}

/** The inside of `[...]`: an address literal or a host name. */
function bracketed(inside: string, nexthop: string): Omit<Nexthop, "port"> {
  const ipv6 = /^ipv6:(.*)$/i.exec(inside);
  if (ipv6) {
    if (isIP(ipv6[1]) !== 6) {
      throw new NexthopSyntaxError(
        nexthop,
        `"${ipv6[1]}" is not an IPv6 address`,
      );
    }
    return { host: ipv6[1].toLowerCase(), mxLookup: false, ipVersion: 6 };
  }
  const version = isIP(inside);
  if (version === 4 || version === 6) {
    return { host: inside.toLowerCase(), mxLookup: false, ipVersion: version };
  }
  return { host: hostNameOf(inside, nexthop), mxLookup: false };
}

/**
 * Reads one nexthop destination (see the module comment).
 * @param defaultPort the port when none is given (25 for SMTP)
 * @throws NexthopSyntaxError when `text` is not a destination
 */
export function parseNexthop(text: string, defaultPort = 25): Nexthop {
  const nexthop = text.trim();
  if (nexthop === "") throw new NexthopSyntaxError(text, "it is empty");
  if (nexthop.startsWith("[")) {
    const close = nexthop.indexOf("]");
    if (close < 0) throw new NexthopSyntaxError(nexthop, 'no closing "]"');
    const rest = nexthop.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) {
      throw new NexthopSyntaxError(nexthop, `unexpected "${rest}" after "]"`);
    }
    const port = rest === "" ? defaultPort : portOf(rest.slice(1), nexthop);
    return { ...bracketed(nexthop.slice(1, close), nexthop), port };
  }
  const colons = nexthop.split(":").length - 1;
  if (colons > 1) {
    throw new NexthopSyntaxError(
      nexthop,
      "an IPv6 address must be written in brackets: [ipv6:address]",
    );
  }
  const [name, portText] = nexthop.split(":");
  const port = portText === undefined ? defaultPort : portOf(portText, nexthop);
  if (isIP(name) === 4) {
    return { host: name, port, mxLookup: false, ipVersion: 4 };
  }
  return { host: hostNameOf(name, nexthop), port, mxLookup: true };
}

/**
 * Reads a list of destinations separated by commas or whitespace.
 * @throws NexthopSyntaxError on the first item that is not a destination,
 *   or when there is none
 */
export function parseNexthopList(text: string, defaultPort = 25): Nexthop[] {
  const items = text.split(/[\s,]+/).filter((item) => item !== "");
  if (items.length === 0) throw new NexthopSyntaxError(text, "it is empty");
  return items.map((item) => parseNexthop(item, defaultPort));
}
