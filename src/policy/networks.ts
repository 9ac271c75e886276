/**
 * Client address lists: Postfix's `mynetworks` forms and styles.
 *
 * DESCRIPTION
 *   `parseCidr` reads a network as Postfix's `mynetworks` accepts it
 *   (`127.0.0.0/8`, `[::1]/128`, `::1/128`, or a bare address, which means
 *   a single host) and `formatCidr` writes it back in canonical form.
 *   `inNetworks` answers "is this client in mynetworks?" for smtpd once
 *   per connection, parsing each list once. Address parsing and prefix
 *   arithmetic come from `ip_address.ts`; what stays here is what is
 *   Postfix's own: the bracketed IPv6 form, the refusal of host bits
 *   below the prefix (naming the network probably meant), networks inside
 *   `::ffff:0:0/96` matching the IPv4 clients they map, and
 *   `mynetworksForStyle`, the default for `mynetworks_style` host, subnet
 *   or class.
 *
 *   Entries of the form `type:name` (`hash:/etc/mailsrv/network_table`,
 *   `cidr:/etc/mailsrv/network.cidr`) are lookup tables: this module
 *   skips them (it does no I/O); smtpd consults them (`tableEntries`).
 *
 *   Used by the config loader (validation, defaults) and by smtpd.
 *   Pure: no I/O, no permissions needed.
 *
 *   Does NOT resolve host names or list the machine's interfaces; callers
 *   pass them in.
 */
import {
  inPrefix,
  type IpAddress,
  maskAddress,
  netmaskPrefix,
  parseIpAddress,
} from "./ip_address.ts";

export { type IpAddress, netmaskPrefix, parseIpAddress };

/** A network: its base address (host bits zero) and prefix length. */
export interface Network {
  readonly base: IpAddress;
  /** Prefix length: 0..32 for IPv4, 0..128 for IPv6. */
  readonly prefix: number;
}

/** One interface address, as `Deno.networkInterfaces()` reports it. */
export interface InterfaceAddress {
  readonly family: "IPv4" | "IPv6";
  readonly address: string;
  /** Network mask in address form, e.g. `255.255.255.0` or `ffff:ffff::`. */
  readonly netmask: string;
}

/** How the default `mynetworks` is derived from the interfaces. */
export type MynetworksStyle = "host" | "subnet" | "class";

/** Whether `text` is an IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return parseIpAddress(text) !== undefined;
}

/** A network that does not parse; `problem` says why. */
export class NetworkSyntaxError extends Error {
  /** The network text as given. */
  readonly text: string;
  /** What is wrong, e.g. "prefix length above 32". */
  readonly problem: string;

  constructor(text: string, problem: string) {
    super(`Bad network "${text}": ${problem}`);
    this.name = "NetworkSyntaxError";
    this.text = text;
    this.problem = problem;
  }
}

/** Whether a list entry names a lookup table (`hash:/path`, `cidr:/path`). */
export function isTableEntry(entry: string): boolean {
  // Named types only: `abcd:1::/32` is an IPv6 network, not a table.
  return /^(?:hash|texthash|cidr|static|inline|regexp|pcre|lmdb|btree):/
    .test(entry);
}

/** The lookup-table entries of a network list, in order. */
export function tableEntries(networks: readonly string[]): string[] {
  return networks.filter(isTableEntry);
}

/**
 * Parses a network in CIDR notation. IPv6 may be bracketed as in Postfix
 * (`[::1]/128`); a bare address is a host network (/32 or /128).
 * @throws NetworkSyntaxError on bad syntax, and on host bits set below
 *   the prefix (naming the network that was probably meant)
 */
export function parseCidr(text: string): Network {
  const slash = text.indexOf("/");
  let addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  if (addressText.startsWith("[") && addressText.endsWith("]")) {
    addressText = addressText.slice(1, -1);
    if (!addressText.includes(":")) {
      throw new NetworkSyntaxError(text, "brackets are for IPv6 only");
    }
  }
  if (addressText.includes("%")) {
    throw new NetworkSyntaxError(text, "zone index not allowed");
  }
  const address = parseIpAddress(addressText);
  if (address === undefined) {
    throw new NetworkSyntaxError(text, "not an IP address");
  }
  // A mapped address was turned into IPv4; its prefix counts from bit 96.
  const written = addressText.includes(":") ? 128 : 32;
  let prefix = written;
  if (prefixText !== undefined) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) {
      throw new NetworkSyntaxError(text, "bad prefix length");
    }
    prefix = Number(prefixText);
    if (prefix > written) {
      throw new NetworkSyntaxError(text, `prefix length above ${written}`);
    }
  }
  if (written === 128 && address.family === 4) {
    if (prefix < 96) {
      throw new NetworkSyntaxError(text, "mapped IPv4 prefix below 96");
    }
    prefix -= 96;
  }
  const base = maskAddress(address, prefix);
  if (base.text !== address.text) {
    const meant = formatCidr({ base, prefix });
    throw new NetworkSyntaxError(
      text,
      `host bits set below the prefix (did you mean "${meant}"?)`,
    );
  }
  return { base, prefix };
}

/** Whether `text` is a network `parseCidr` accepts. */
export function isValidCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats a network as `address/prefix`, IPv6 without brackets. */
export function formatCidr(network: Network): string {
  return `${network.base.text}/${network.prefix}`;
}

/** Whether `address` lies in `network` (mapped IPv4 counts as IPv4). */
export function networkContains(network: Network, address: IpAddress): boolean {
  return inPrefix(address, network.base, network.prefix);
}

/** A compiled network list: answers membership for parsed addresses. */
export type NetworkMatcher = (address: IpAddress) => boolean;

/**
 * Compiles a list of CIDR networks once (table entries skipped); throws
 * on a malformed entry.
 */
export function compileNetworks(networks: readonly string[]): NetworkMatcher {
  const parsed = networks.filter((entry) => !isTableEntry(entry)).map(
    parseCidr,
  );
  return (address) => parsed.some((net) => networkContains(net, address));
}

// Frozen lists (the config's) are cached by identity; other lists by their
// text, in a small cache that is emptied when full.
const frozenMatchers = new WeakMap<readonly string[], NetworkMatcher>();
const textMatchers = new Map<string, NetworkMatcher>();
const TEXT_CACHE_LIMIT = 64;

function matcherFor(networks: readonly string[]): NetworkMatcher {
  if (Object.isFrozen(networks)) {
    let matcher = frozenMatchers.get(networks);
    if (matcher === undefined) {
      matcher = compileNetworks(networks);
      frozenMatchers.set(networks, matcher);
    }
    return matcher;
  }
  const key = networks.join("\n");
  let matcher = textMatchers.get(key);
  if (matcher === undefined) {
    matcher = compileNetworks(networks);
    if (textMatchers.size >= TEXT_CACHE_LIMIT) textMatchers.clear();
    textMatchers.set(key, matcher);
  }
  return matcher;
}

/**
 * Whether the client `address` lies in one of the literal `networks`
 * (CIDR strings as in `Config.mynetworks`; table entries are not
 * consulted here). An address that does not parse is in no network.
 * Throws if a network entry is malformed (the config loader rejects those).
 */
export function inNetworks(
  address: string,
  networks: readonly string[],
): boolean {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return false;
  return matcherFor(networks)(parsed);
}

/** The IPv4 class A/B/C prefix of an address (RFC 791 section 3.2). */
function classPrefix(first: number): number {
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return 32;
}

/**
 * The default `mynetworks` for a `mynetworks_style`, as Postfix computes
 * it: always `127.0.0.0/8` and `::1/128`, plus, per interface address,
 * the address itself (host), its subnet (subnet) or its class A/B/C
 * network (class; IPv6 has no classes and uses the subnet). Loopback
 * addresses stay within `127.0.0.0/8`. Duplicates are dropped, order kept.
 */
export function mynetworksForStyle(
  style: MynetworksStyle,
  interfaces: readonly InterfaceAddress[],
): string[] {
  const result = new Set<string>(["127.0.0.0/8", "::1/128"]);
  for (const entry of interfaces) {
    const address = parseIpAddress(entry.address);
    if (address === undefined) continue;
    if (address.family === 4 && address.bytes[0] === 127) continue;
    const maximum = address.family === 4 ? 32 : 128;
    const subnet = netmaskPrefix(entry.netmask) ?? maximum;
    let prefix = maximum;
    if (style === "subnet") prefix = subnet;
    if (style === "class") {
      prefix = address.family === 4 ? classPrefix(address.bytes[0]) : subnet;
    }
    result.add(formatCidr({ base: maskAddress(address, prefix), prefix }));
  }
  return [...result];
}
