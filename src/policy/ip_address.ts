/**
 * IP address parsing and CIDR arithmetic, behind one small module.
 *
 * DESCRIPTION
 *   The one place that imports the address library (npm `ipaddr.js`), so
 *   a switch to another (`node:net`'s `BlockList`, a future `@std/net`)
 *   is a one-file change. It parses strictly (dotted quads without
 *   leading zeros, RFC 4291 IPv6 text), formats IPv6 in RFC 5952 form,
 *   and treats IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, RFC 4291
 *   section 2.5.5.2) as the IPv4 address they carry.
 *
 *   Used by the network lists (`networks.ts`), the access-map key order
 *   and greylisting (client networks). Pure.
 */
import ipaddr from "ipaddr.js";

/** A parsed address: its family, bytes and canonical text. */
export interface IpAddress {
  readonly family: 4 | 6;
  /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
  readonly bytes: readonly number[];
  /** Canonical text (RFC 5952 for IPv6). */
  readonly text: string;
}

/**
 * Parses an IPv4 or IPv6 address; an IPv6 zone (`%eth0`) is ignored and
 * an IPv4-mapped IPv6 address becomes IPv4. Undefined when not an address.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const zone = text.indexOf("%");
    const bare = zone === -1 ? text : text.slice(0, zone);
    if (!ipaddr.IPv6.isValid(bare) || !groupsFit(bare)) return undefined;
    const hexOnly = dottedTailAsHex(bare);
    if (!ipaddr.IPv6.isValid(hexOnly)) return undefined;
    const bytes = ipaddr.IPv6.parse(hexOnly).toByteArray();
    return fromBytes(isMapped(bytes) ? bytes.slice(12) : bytes);
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return fromIpv4(ipaddr.IPv4.parse(text));
}

/**
 * RFC 4291 section 2.2 rules the library is lenient about: at most four
 * hex digits a group, and `::` stands for at least one group.
 */
function groupsFit(text: string): boolean {
  const groups = text.split(":").filter((group) => group !== "");
  if (groups.some((group) => !group.includes(".") && group.length > 4)) {
    return false;
  }
  const count = groups.length + (text.includes(".") ? 1 : 0);
  return text.includes("::") ? count < 8 : count === 8;
}

/**
 * `::a.b.c.d` as `::XXXX:XXXX`: the library reads any embedded dotted
 * quad as IPv4-mapped, which the IPv4-compatible form is not.
 */
function dottedTailAsHex(text: string): string {
  const colon = text.lastIndexOf(":");
  const tail = text.slice(colon + 1);
  if (!tail.includes(".")) return text;
  if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return "invalid";
  const [a, b, c, d] = ipaddr.IPv4.parse(tail).toByteArray();
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `${text.slice(0, colon + 1)}${hex(a, b)}:${hex(c, d)}`;
}

/** Whether IPv6 bytes lie in `::ffff:0:0/96` (RFC 4291 section 2.5.5.2). */
function isMapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 0xff && bytes[11] === 0xff;
}

function fromIpv4(v4: ipaddr.IPv4): IpAddress {
  return { family: 4, bytes: v4.toByteArray(), text: v4.toString() };
}

/** The address with every bit below `prefix` cleared. */
export function maskAddress(address: IpAddress, prefix: number): IpAddress {
  const bytes = address.bytes.map((byte, i) => {
    const bits = Math.min(8, Math.max(0, prefix - i * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
  return fromBytes(bytes);
}

/** The address of the given bytes (4 or 16). */
export function fromBytes(bytes: readonly number[]): IpAddress {
  const parsed = ipaddr.fromByteArray([...bytes]);
  return parsed.kind() === "ipv4"
    ? fromIpv4(parsed as ipaddr.IPv4)
    : { family: 6, bytes: [...bytes], text: parsed.toString() };
}

/** Whether `address` lies in the network `base/prefix` of its family. */
export function inPrefix(
  address: IpAddress,
  base: IpAddress,
  prefix: number,
): boolean {
  if (address.family !== base.family) return false;
  const masked = maskAddress(address, prefix);
  return masked.bytes.every((byte, i) => byte === base.bytes[i]);
}

/** The prefix length of a netmask (`255.255.255.0`), undefined if not contiguous. */
export function netmaskPrefix(netmask: string): number | undefined {
  try {
    return ipaddr.parse(netmask).prefixLengthFromSubnetMask() ?? undefined;
  } catch {
    return undefined;
  }
}
