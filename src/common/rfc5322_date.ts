/**
 * The RFC 5322 date-time mail headers carry.
 *
 * DESCRIPTION
 *   `rfc5322Date` writes `Mon, 25 Nov 2024 03:54:32 +0100`: English names
 *   whatever the locale, the day without a leading zero, a numeric zone.
 *   Pure: the instant and the zone are passed in.
 *
 *   Used by smtpd's Received: header and by the bounce writer (Date:,
 *   Arrival-Date:).
 *
 * STANDARDS
 *   RFC 5322 section 3.3 (date-time with a numeric zone).
 *
 *   Does NOT parse dates, or write obsolete zone names (`GMT`, `EST`).
 */
import { DAY_NAMES as DAYS, MONTH_NAMES as MONTHS } from "./calendar.ts";

const two = (n: number) => String(n).padStart(2, "0");

/**
 * An RFC 5322 date-time with a numeric zone: `Mon, 25 Nov 2024 03:54:32 +0100`.
 * @param ms milliseconds since the epoch
 * @param zoneOffsetMinutes minutes east of UTC
 */
export function rfc5322Date(ms: number, zoneOffsetMinutes: number): string {
  const d = new Date(ms + zoneOffsetMinutes * 60_000);
  const sign = zoneOffsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(zoneOffsetMinutes);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${
    MONTHS[d.getUTCMonth()]
  } ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${
    two(d.getUTCSeconds())
  } ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}
