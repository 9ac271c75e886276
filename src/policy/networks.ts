/**
 * IP networks: CIDR parsing, formatting and client address matching.
 *
 * DESCRIPTION
 *   `parseCidr` reads a network as Postfix's `mynetworks` accepts it
 *   (`127.0.0.0/8`, `[::1]/128`, `::1/128`, or a bare address, which means
 *   a single host) and `formatCidr` writes it back in canonical form
 *   (RFC 4632 section 3.1 for IPv4, RFC 4291 section 2.3 and RFC 5952
 *   section 4 for IPv6). `inNetworks` answers "is this client in
 *   mynetworks?" for smtpd once per connection; it keeps the parsed form of
 *   each network list so the text is parsed only once.
 *
 *   IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, RFC 4291 section
 *   2.5.5.2), which a dual-stack listener reports for IPv4 clients, match
 *   IPv4 networks, and IPv6 networks inside `::ffff:0:0/96` match the IPv4
 *   clients they contain, as Postfix does.
 *
 *   `mynetworksForStyle` computes the default `mynetworks` from the host's
 *   interface addresses for `mynetworks_style` host, subnet or class.
 *
 *   Used by the config loader (validation, defaults) and by smtpd (relay
 *   permission). Pure: no I/O, no permissions needed.
 *
 *   Does NOT resolve host names, read lookup tables (`cidr:` maps) or
 *   list the machine's interfaces; callers pass them in.
 */

/** An IP address as 32-bit unsigned words: one for IPv4, four for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly words: readonly number[];
}

/** A network: its base address (host bits zero) and prefix length. */
export interface Network {
  readonly family: 4 | 6;
  /** Base address words, host bits zero. */
  readonly words: readonly number[];
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

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses dotted-quad IPv4 into one word; undefined if malformed. */
function parseIpv4Word(text: string): number | undefined {
  const octets = text.split(".");
  if (octets.length !== 4) return undefined;
  let word = 0;
  for (const octet of octets) {
    // Leading zeros are refused: some resolvers read them as octal.
    if (!DECIMAL_OCTET.test(octet)) return undefined;
    const value = Number(octet);
    if (value > 255) return undefined;
    word = word * 256 + value;
  }
  return word;
}

/**
 * Parses colon-separated 16-bit groups; the last piece may be a dotted
 * quad when `lastMayBeIpv4` (RFC 4291 section 2.2, form 3).
 */
function parseGroups(
  text: string,
  lastMayBeIpv4: boolean,
): number[] | undefined {
  if (text === "") return [];
  const pieces = text.split(":");
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (lastMayBeIpv4 && i === pieces.length - 1 && piece.includes(".")) {
      const word = parseIpv4Word(piece);
      if (word === undefined) return undefined;
      groups.push(word >>> 16, word & 0xffff);
    } else if (HEX_GROUP.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Parses RFC 4291 section 2.2 text into four words; undefined if malformed. */
function parseIpv6Words(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 1) {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  } else {
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    if (head === undefined || tail === undefined) return undefined;
    const zeros = 8 - head.length - tail.length;
    if (zeros < 1) return undefined;
    groups = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) {
    words.push((groups[i] * 0x10000 + groups[i + 1]) >>> 0);
  }
  return words;
}

/**
 * Parses an IPv4 or IPv6 address; a zone suffix (`%eth0`) is ignored.
 * Returns undefined when `text` is not an address.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const zone = text.indexOf("%");
    const words = parseIpv6Words(zone === -1 ? text : text.slice(0, zone));
    return words === undefined ? undefined : { family: 6, words };
  }
  const word = parseIpv4Word(text);
  return word === undefined ? undefined : { family: 4, words: [word] };
}

/** Whether `text` is an IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return parseIpAddress(text) !== undefined;
}

/** Formats IPv4 as a dotted quad, IPv6 in RFC 5952 canonical form. */
export function formatIpAddress(address: IpAddress): string {
  if (address.family === 4) return formatIpv4(address.words[0]);
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  if (isMapped(address.words)) return `::ffff:${formatIpv4(address.words[3])}`;
  const groups: number[] = [];
  for (const word of address.words) groups.push(word >>> 16, word & 0xffff);
  // RFC 5952 section 4.2: compress the longest run of two or more zero
  // groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

function formatIpv4(word: number): string {
  return [word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff]
    .join(".");
}

/** The mask word for word `index` of a prefix of `prefix` bits. */
function maskWord(prefix: number, index: number): number {
  const bits = Math.min(32, Math.max(0, prefix - index * 32));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
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
  const maximum = address.family === 4 ? 32 : 128;
  let prefix = maximum;
  if (prefixText !== undefined) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) {
      throw new NetworkSyntaxError(text, "bad prefix length");
    }
    prefix = Number(prefixText);
    if (prefix > maximum) {
      throw new NetworkSyntaxError(text, `prefix length above ${maximum}`);
    }
  }
  const words = address.words.map((word, i) =>
    (word & maskWord(prefix, i)) >>> 0
  );
  if (words.some((word, i) => word !== address.words[i])) {
    const meant = formatCidr({ family: address.family, words, prefix });
    throw new NetworkSyntaxError(
      text,
      `host bits set below the prefix (did you mean "${meant}"?)`,
    );
  }
  return { family: address.family, words, prefix };
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
  return `${formatIpAddress(network)}/${network.prefix}`;
}

/** Whether an address lies in `::ffff:0:0/96`. */
function isMapped(words: readonly number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/** IPv4-mapped addresses become plain IPv4, so one comparison serves both. */
function normalizeAddress(address: IpAddress): IpAddress {
  if (address.family === 6 && isMapped(address.words)) {
    return { family: 4, words: [address.words[3]] };
  }
  return address;
}

/** Networks inside `::ffff:0:0/96` become the IPv4 networks they map. */
function normalizeNetwork(network: Network): Network {
  if (
    network.family === 6 && network.prefix >= 96 && isMapped(network.words)
  ) {
    return {
      family: 4,
      words: [network.words[3]],
      prefix: network.prefix - 96,
    };
  }
  return network;
}

/** Whether `address` lies in `network` (mapped IPv4 counts as IPv4). */
export function networkContains(network: Network, address: IpAddress): boolean {
  const net = normalizeNetwork(network);
  const client = normalizeAddress(address);
  if (net.family !== client.family) return false;
  for (let i = 0; i < net.words.length; i++) {
    if (((client.words[i] & maskWord(net.prefix, i)) >>> 0) !== net.words[i]) {
      return false;
    }
  }
  return true;
}

/** A compiled network list: answers membership for parsed addresses. */
export type NetworkMatcher = (address: IpAddress) => boolean;

/** Compiles a list of CIDR networks once; throws on a malformed entry. */
export function compileNetworks(networks: readonly string[]): NetworkMatcher {
  const parsed = networks.map((text) => normalizeNetwork(parseCidr(text)));
  const masks = parsed.map((net) =>
    net.words.map((_, i) => maskWord(net.prefix, i))
  );
  return (address) => {
    const client = normalizeAddress(address);
    for (let n = 0; n < parsed.length; n++) {
      const net = parsed[n];
      if (net.family !== client.family) continue;
      const mask = masks[n];
      let inside = true;
      for (let i = 0; i < mask.length && inside; i++) {
        inside = ((client.words[i] & mask[i]) >>> 0) === net.words[i];
      }
      if (inside) return true;
    }
    return false;
  };
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
 * Whether the client `address` lies in one of `networks` (CIDR strings as
 * in `Config.mynetworks`). An address that does not parse is in no network.
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

/** Parses a netmask (`255.255.255.0`, `ffff:ffff::`) into a prefix length. */
export function netmaskPrefix(netmask: string): number | undefined {
  const mask = parseIpAddress(netmask);
  if (mask === undefined) return undefined;
  let prefix = 0;
  let ended = false;
  for (const word of mask.words) {
    for (let bit = 31; bit >= 0; bit--) {
      const set = ((word >>> bit) & 1) === 1;
      if (set && ended) return undefined;
      if (set) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

/** The IPv4 class A/B/C prefix of an address (RFC 791 section 3.2). */
function classPrefix(word: number): number {
  const first = word >>> 24;
  if (first < 128) return 8;
  if (first < 192) return 16;
  if (first < 224) return 24;
  return 32;
}

/** The network of given prefix that contains `address`. */
function networkOf(address: IpAddress, prefix: number): Network {
  const words = address.words.map((word, i) =>
    (word & maskWord(prefix, i)) >>> 0
  );
  return { family: address.family, words, prefix };
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
    if (address.family === 4 && address.words[0] >>> 24 === 127) continue;
    const maximum = address.family === 4 ? 32 : 128;
    const subnet = netmaskPrefix(entry.netmask) ?? maximum;
    let prefix = maximum;
    if (style === "subnet") prefix = subnet;
    if (style === "class") {
      prefix = address.family === 4 ? classPrefix(address.words[0]) : subnet;
    }
    result.add(formatCidr(networkOf(address, prefix)));
  }
  return [...result];
}
