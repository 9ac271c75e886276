/**
 * check_greylist: mailsrv's built-in greylisting, as postgrey does it.
 *
 * DESCRIPTION
 *   A delivery attempt is known by its triplet: the client's network (its
 *   /24 for IPv4, its /64 for IPv6, so a sender's pool of outgoing hosts
 *   counts as one), the sender and the recipient. The first attempt of a
 *   triplet is deferred (450); a retry after `delay` seconds and within
 *   `retryWindow` of the first attempt passes, and so does every later
 *   attempt of that triplet. A retry after the window starts over.
 *
 *   A client network whose triplets passed `autoWhitelist` times is not
 *   greylisted any more (0 turns this off). Entries expire by their time
 *   to live: an attempt never retried after `retryWindow`, passed
 *   triplets and client counts `maxAge` after their last use.
 *
 *   Several hosts may share the store: the first attempt is recorded
 *   with one put-if-absent and the client's passes with one increment,
 *   so no host overwrites what another just wrote. The delay compares
 *   the first attempt's time (the host that saw it) with ours, so the
 *   hosts' clocks should agree (NTP) to well within the delay.
 *
 *   State lives in the shared state (`shared_state.ts`) under the tables
 *   `greylist` (triplet → first attempt, passed) and `greylist-client`
 *   (network → passes). Time comes from the caller, so tests inject it.
 *
 *   Used by smtpd's restriction lookups. No I/O of its own.
 */
import { maskAddress, parseIpAddress } from "./ip_address.ts";
import type { SharedState } from "./shared_state.ts";

/** The greylist's settings, in seconds. */
export interface GreylistSettings {
  readonly delay: number;
  readonly retryWindow: number;
  readonly autoWhitelist: number;
  readonly maxAge: number;
}

/** The attempt to judge. */
export interface GreylistAttempt {
  readonly clientAddress: string;
  readonly sender: string;
  readonly recipient: string;
}

/** What the greylist knows of a triplet. */
interface TripletEntry {
  /** First attempt, milliseconds since the epoch. */
  readonly first: number;
  readonly passed: boolean;
}

/** The client network a triplet is kept for: /24 or /64, else the text. */
export function greylistNetwork(address: string): string {
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return address.toLowerCase();
  const prefix = parsed.family === 4 ? 24 : 64;
  return `${maskAddress(parsed, prefix).text}/${prefix}`;
}

/** The triplet key. */
export function tripletKey(attempt: GreylistAttempt): string {
  return [
    greylistNetwork(attempt.clientAddress),
    attempt.sender.toLowerCase(),
    attempt.recipient.toLowerCase(),
  ].join(" ");
}

/**
 * Judges one attempt at `nowMs` and records it.
 * @returns "pass", or "defer" for a triplet not yet retried after the delay
 */
export async function greylistCheck(
  state: SharedState,
  attempt: GreylistAttempt,
  settings: GreylistSettings,
  nowMs: number,
): Promise<"pass" | "defer"> {
  const network = greylistNetwork(attempt.clientAddress);
  const maxAgeMs = settings.maxAge * 1000;
  const passes = Number(await state.get("greylist-client", network) ?? "0");
  if (settings.autoWhitelist > 0 && passes >= settings.autoWhitelist) {
    await state.touch("greylist-client", network, maxAgeMs);
    return "pass";
  }
  const key = tripletKey(attempt);
  const windowMs = settings.retryWindow * 1000;
  const fresh = JSON.stringify({ first: nowMs, passed: false });
  // One atomic step: of two hosts seeing a new triplet at once, one
  // records the first attempt and the other reads it.
  const text = await state.putIfAbsent("greylist", key, fresh, windowMs);
  if (text === undefined) return "defer";
  const entry = JSON.parse(text) as TripletEntry;
  if (entry.passed) {
    await state.touch("greylist", key, maxAgeMs);
    return "pass";
  }
  // Only with clocks apart (another host's first attempt in our future
  // or past beyond the window): start over, as after the window.
  if (nowMs - entry.first > windowMs || entry.first - nowMs > windowMs) {
    await state.put("greylist", key, fresh, windowMs);
    return "defer";
  }
  if (nowMs - entry.first < settings.delay * 1000) return "defer";
  await state.put(
    "greylist",
    key,
    JSON.stringify({ first: entry.first, passed: true }),
    maxAgeMs,
  );
  await state.increment("greylist-client", network, maxAgeMs);
  return "pass";
}
