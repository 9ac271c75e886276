/**
 * DNS messages: encoding and decoding, from npm `dns-packet`.
 *
 * DESCRIPTION
 *   The one place the DNS wire format library is named, so it can be
 *   swapped in one file: `encode`, `decode` (on plain bytes) and the types.
 *
 *   Used by the resolver (`src/dns/`) and by the test DNS server.
 */
// @ts-types="@types/dns-packet"
import packet from "dns-packet";
import type { Packet } from "dns-packet";
import { Buffer } from "node:buffer";

export type { Answer, Packet, Question, RecordType } from "dns-packet";

/** Encodes a DNS message. */
export function encode(message: Packet): Uint8Array {
  return packet.encode(message);
}

/**
 * Decodes a DNS message (without the TCP length prefix).
 * @throws when the bytes are not a DNS message
 */
export function decode(bytes: Uint8Array): Packet & { rcode?: string } {
  // The library reads through Buffer methods.
  return packet.decode(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
}
/** Flag bit: the answer was truncated (retry over TCP). */
export const TRUNCATED_RESPONSE = packet.TRUNCATED_RESPONSE;
/** Flag bit: recursion desired. */
export const RECURSION_DESIRED = packet.RECURSION_DESIRED;
