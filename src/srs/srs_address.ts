/**
 * SRS addresses (Sender Rewriting Scheme), in the format postsrsd and
 * libsrs2 write and read.
 *
 * DESCRIPTION
 *   A forwarder that sends a stranger's message on from its own IP address
 *   breaks the stranger's SPF; rewriting the envelope sender to an address
 *   of its own (`srs_domain`) keeps SPF passing, and signing that address
 *   lets the bounces come home without making the forwarder an open relay.
 *
 *   SRS0 (a first forward of user@example.org, from the forwarder's domain):
 *
 *     SRS0=HHHH=TT=example.org=user@srs.example.net
 *
 *       HHHH  the first 4 characters of the base64 (A-Z a-z 0-9 + /) of
 *             HMAC-SHA1(secret, TT + "example.org" + "user"), each part
 *             folded to lower case (ASCII) first;
 *       TT    the day (Unix time / 86400) modulo 1024, as two base32
 *             characters (A-Z 2-7), high five bits first.
 *
 *   SRS1 (forwarding an address that is SRS already; libsrs2's "guarded"
 *   scheme: the first forwarder's domain is kept, so the bounce skips the
 *   middle ones):
 *
 *     SRS0=HHHH=TT=example.org=user@fwd.example  becomes
 *     SRS1=GGGG=fwd.example==HHHH=TT=example.org=user@srs.example.net
 *
 *       GGGG  the hash of ("fwd.example", "=HHHH=TT=example.org=user");
 *       an SRS1 address is re-signed with its host and rest kept.
 *
 *   Reversing an SRS0 address checks the timestamp (at most 21 days old,
 *   counted modulo 1024 days as libsrs2 does) and the hash (compared
 *   without regard to case, since mail systems fold local parts; each
 *   secret is tried, so an old secret still verifies after rotation) and
 *   gives `user@example.org`. Reversing an SRS1 address checks the hash
 *   and gives `SRS0…@fwd.example`, the first forwarder's address. The
 *   domain of the address being reversed is not looked at here; the
 *   caller checks it is `srs_domain`.
 *
 *   What is rewritten follows postsrsd's forward lookup: an address that
 *   already reverses with our secrets, an address without `@`, and an
 *   address in `srs_domain` itself are left alone (exclusions by domain
 *   are the caller's, `srs_settings.ts`).
 *
 *   Differences from postsrsd: the address is split at its last `@`, not
 *   its first (a quoted local part may hold `@`); an SRS address with an
 *   empty hash, timestamp, host or user part, or a timestamp that is not
 *   two characters, is not an SRS address here (postsrsd never writes one).
 *
 *   Used by smtpd (RCPT of a bounce) and the queue's resubmission
 *   (forwarded mail). Pure: the secrets and the time are arguments.
 *
 * STANDARDS
 *   Shevek, "The Sender Rewriting Scheme" (2004); libsrs2 srs2.c.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The hash length postsrsd writes and accepts (its -n and -N). */
export const SRS_HASH_LENGTH = 4;

/** Days an SRS0 address stays valid (libsrs2's maxage). */
export const SRS_MAX_AGE_DAYS = 21;

const TIME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const TIME_SLOTS = 1024;
const DAY_MS = 86_400_000;

/** Why an SRS address does not reverse. */
export type SrsFailure =
  | "malformed"
  | "bad timestamp"
  | "expired"
  | "bad hash";

/** What reversing an address gave. */
export type SrsReversal =
  /** Not an SRS address: no SRS0/SRS1 tag (the caller decides). */
  | { readonly kind: "not-srs" }
  /** The address the SRS address stands for. */
  | { readonly kind: "valid"; readonly address: string }
  /** An SRS address that does not verify: never to be routed. */
  | { readonly kind: "invalid"; readonly reason: SrsFailure };

/** Lower case for ASCII letters only, as C's tolower in the C locale. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The SRS hash of `parts` under `secret` (see the module comment). */
export function srsHash(secret: string, parts: readonly string[]): string {
  const hmac = createHmac("sha1", new TextEncoder().encode(secret));
  for (const part of parts) hmac.update(asciiLower(part), "utf8");
  return hmac.digest("base64").slice(0, SRS_HASH_LENGTH);
}

/** The two-character day stamp of `nowMs`. */
export function srsTimestamp(nowMs: number): string {
  const day = Math.floor(nowMs / DAY_MS);
  return TIME_CHARS[(day >> 5) & 31] + TIME_CHARS[day & 31];
}

/** Whether `stamp` (any case) is at most `maxAgeDays` old at `nowMs`. */
function stampIsCurrent(
  stamp: string,
  nowMs: number,
  maxAgeDays: number,
): boolean | undefined {
  let then = 0;
  for (const char of stamp.toUpperCase()) {
    const value = TIME_CHARS.indexOf(char);
    if (value < 0) return undefined;
    then = then * 32 + value;
  }
  let now = Math.floor(nowMs / DAY_MS) % TIME_SLOTS;
  // A stamp "ahead" of today is one from the previous 1024-day cycle.
  while (now < then) now += TIME_SLOTS;
  return now <= then + maxAgeDays;
}

/** Whether `hash` matches, ignoring case, under one of `secrets`. */
function hashVerifies(
  hash: string,
  secrets: readonly string[],
  parts: readonly string[],
): boolean {
  if (hash.length !== SRS_HASH_LENGTH) return false;
  const given = new TextEncoder().encode(asciiLower(hash));
  let verified = false;
  for (const secret of secrets) {
    const expected = new TextEncoder().encode(
      asciiLower(srsHash(secret, parts)),
    );
    // Every secret is tried, so the time taken says nothing of which.
    if (expected.length === given.length && timingSafeEqual(expected, given)) {
      verified = true;
    }
  }
  return verified;
}

/** The tag of an SRS local part: `SRS0`, `SRS1` (any case), or none. */
function srsTag(localPart: string): "SRS0" | "SRS1" | undefined {
  const tag = localPart.slice(0, 4).toUpperCase();
  const separator = localPart.charAt(4);
  if (separator === "" || !"=-+".includes(separator)) return undefined;
  return tag === "SRS0" || tag === "SRS1" ? tag : undefined;
}

/** Splits at the last `@`: [local part, domain], or undefined. */
function splitAt(address: string): [string, string] | undefined {
  const at = address.lastIndexOf("@");
  return at < 0 ? undefined : [address.slice(0, at), address.slice(at + 1)];
}

/** True when `address`'s local part carries an SRS0 or SRS1 tag. */
export function hasSrsTag(address: string): boolean {
  const parts = splitAt(address);
  return parts !== undefined && srsTag(parts[0]) !== undefined;
}

/** Cuts `text` at the first `n` "=" signs: n+1 pieces, or undefined. */
function fields(text: string, n: number): string[] | undefined {
  const pieces: string[] = [];
  let rest = text;
  for (let i = 0; i < n; i++) {
    const at = rest.indexOf("=");
    if (at < 0) return undefined;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  pieces.push(rest);
  return pieces.every((piece) => piece !== "") ? pieces : undefined;
}

/**
 * Reverses an SRS address (see the module comment).
 * @param secrets every secret that may have signed it, newest first
 * @param nowMs the current time (milliseconds since the epoch)
 */
export function srsReverse(
  address: string,
  secrets: readonly string[],
  nowMs: number,
  maxAgeDays = SRS_MAX_AGE_DAYS,
): SrsReversal {
  const parts = splitAt(address);
  const tag = parts && srsTag(parts[0]);
  if (parts === undefined || tag === undefined) return { kind: "not-srs" };
  const body = parts[0].slice(5);
  if (tag === "SRS1") {
    const f = fields(body, 2);
    if (f === undefined) return { kind: "invalid", reason: "malformed" };
    const [hash, host, user] = f;
    if (!hashVerifies(hash, secrets, [host, user])) {
      return { kind: "invalid", reason: "bad hash" };
    }
    return { kind: "valid", address: `SRS0${user}@${host}` };
  }
  const f = fields(body, 3);
  if (f === undefined) return { kind: "invalid", reason: "malformed" };
  const [hash, stamp, host, user] = f;
  if (stamp.length !== 2) return { kind: "invalid", reason: "bad timestamp" };
  const current = stampIsCurrent(stamp, nowMs, maxAgeDays);
  if (current === undefined) {
    return { kind: "invalid", reason: "bad timestamp" };
  }
  if (!current) return { kind: "invalid", reason: "expired" };
  if (!hashVerifies(hash, secrets, [stamp, host, user])) {
    return { kind: "invalid", reason: "bad hash" };
  }
  return { kind: "valid", address: `${user}@${host}` };
}

/**
 * The SRS form of `sender` in `srsDomain`, or `sender` itself when it is
 * not to be rewritten (see the module comment).
 * @param secrets the secrets; the first one signs
 * @param nowMs the current time (milliseconds since the epoch)
 * @throws Error when there is no secret
 */
export function srsForward(
  sender: string,
  srsDomain: string,
  secrets: readonly string[],
  nowMs: number,
): string {
  const secret = secrets[0];
  if (secret === undefined) throw new Error("No SRS secret to sign with");
  const parts = splitAt(sender);
  if (parts === undefined) return sender;
  const [local, host] = parts;
  if (asciiLower(host) === asciiLower(srsDomain)) return sender;
  if (srsReverse(sender, secrets, nowMs).kind === "valid") return sender;
  const tag = srsTag(local);
  if (tag === "SRS1") {
    const f = fields(local.slice(5), 2);
    if (f !== undefined) {
      const [, srsHost, srsUser] = f;
      const hash = srsHash(secret, [srsHost, srsUser]);
      return `SRS1=${hash}=${srsHost}=${srsUser}@${srsDomain}`;
    }
  } else if (tag === "SRS0") {
    const srsUser = local.slice(4);
    const hash = srsHash(secret, [host, srsUser]);
    return `SRS1=${hash}=${host}=${srsUser}@${srsDomain}`;
  }
  const stamp = srsTimestamp(nowMs);
  const hash = srsHash(secret, [stamp, host, local]);
  return `SRS0=${hash}=${stamp}=${host}=${local}@${srsDomain}`;
}
