/**
 * pop-before-smtp: which client addresses logged in to POP3 lately.
 *
 * DESCRIPTION
 *   A successful POP3 login records the client's IP address with the time;
 *   for `pop_before_smtp_window` seconds afterwards smtpd lets that address
 *   relay (`permit_pop_before_smtp`), as the classic DRAC /
 *   pop-before-smtp add-ons do for Postfix.
 *
 *   Logins live in the shared state (`shared_state.ts`, table
 *   `pop-before-smtp`: address → login time in milliseconds), which the
 *   POP3 server (daemon or inetd) writes and smtpd reads; they survive a
 *   restart and expire with their window, so the store stays bounded.
 *
 *   Addresses are compared in one form: lower case, IPv4-mapped IPv6
 *   (`::ffff:192.0.2.1`) unwrapped, so both roles agree whatever their
 *   socket reported.
 *
 *   Used by the POP3 role (`record`) and smtpd (`allows`, once per
 *   connection). No I/O of its own.
 *
 *   Does NOT decide relaying itself (smtpd's restriction lists do), and
 *   keeps no history: only the last login per address.
 */
import type { SharedState } from "./shared_state.ts";

/** pop-before-smtp over a shared state. */
export interface PopBeforeSmtp {
  /** Records a POP3 login from `address` now, kept for the window. */
  record(address: string, windowSeconds: number): Promise<void>;
  /**
   * Whether `address` logged in within the last `windowSeconds` seconds
   * (inclusive). A window of 0 or less allows nothing.
   */
  allows(address: string, windowSeconds: number): Promise<boolean>;
}

const TABLE = "pop-before-smtp";

/** The one form of an address both roles record and look up. */
export function normalizeClientAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return mapped ? mapped[1] : lower;
}

/**
 * pop-before-smtp kept in `state`.
 * @param now clock in milliseconds since the epoch (tests inject one)
 */
export function popBeforeSmtpOver(
  state: SharedState,
  now: () => number = Date.now,
): PopBeforeSmtp {
  return {
    async record(address, windowSeconds) {
      if (!(windowSeconds > 0)) return;
      const at = Math.floor(now());
      await state.put(
        TABLE,
        normalizeClientAddress(address),
        String(at),
        windowSeconds * 1000 + 1,
      );
    },
    async allows(address, windowSeconds) {
      if (!(windowSeconds > 0)) return false;
      const text = await state.get(TABLE, normalizeClientAddress(address));
      if (text === undefined) return false;
      return now() - Number(text) <= windowSeconds * 1000;
    },
  };
}
