/**
 * Arrival times as the queue listing prints them (asctime(3) without the
 * year, `Wed Nov  5 03:54:32`), with one calendar computation per minute.
 *
 * DESCRIPTION
 *   Local time from a Date costs a time zone lookup per call, a visible
 *   share of listing 100,000 messages. Messages arrive close together,
 *   so the text up to the minute (`Wed Nov  5 03:54:`) is remembered per
 *   minute and only the seconds are added. A minute is remembered only
 *   when its local start falls on second 0 and the UTC offset is the same
 *   at both of its ends (always, except in historical zones with offsets
 *   in seconds and in the minute of an offset change); any other time is
 *   computed whole, so the text is always what the Date would print.
 *
 *   Used by listing.ts (`formatArrivalTime`). Pure apart from the cache
 *   and the process's time zone.
 */
import { DAY_NAMES, MONTH_NAMES } from "../common/calendar.ts";

const MINUTE = 60_000;
/** Remembered minutes per kind of time; the cache is emptied when full. */
const MAX_MINUTES = 100_000;
const localMinutes = new Map<number, string>();
const utcMinutes = new Map<number, string>();

function two(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** The whole text, computed from a Date (the reference). */
export function asctimeNoYear(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const day = utc ? d.getUTCDay() : d.getDay();
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const date = utc ? d.getUTCDate() : d.getDate();
  const clock = [
    utc ? d.getUTCHours() : d.getHours(),
    utc ? d.getUTCMinutes() : d.getMinutes(),
    utc ? d.getUTCSeconds() : d.getSeconds(),
  ].map((n) => String(n).padStart(2, "0")).join(":");
  return `${DAY_NAMES[day]} ${MONTH_NAMES[month]} ${
    String(date).padStart(2)
  } ${clock}`;
}

/** `Wed Nov  5 03:54:` for the minute starting at `start`, if it is one. */
function minutePrefix(start: number, utc: boolean): string | undefined {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return undefined;
  if (!utc) {
    const end = new Date(start + MINUTE - 1);
    if (
      d.getSeconds() !== 0 ||
      d.getTimezoneOffset() !== end.getTimezoneOffset()
    ) return undefined;
  }
  const text = asctimeNoYear(start, utc);
  return text.slice(0, text.length - 2);
}

/** asctime(3) text without the year, local time or UTC. */
export function arrivalClock(ms: number, utc: boolean): string {
  const start = Math.floor(ms / MINUTE) * MINUTE;
  const cache = utc ? utcMinutes : localMinutes;
  let prefix = cache.get(start);
  if (prefix === undefined) {
    prefix = minutePrefix(start, utc);
    if (prefix === undefined) return asctimeNoYear(ms, utc);
    if (cache.size >= MAX_MINUTES) cache.clear();
    cache.set(start, prefix);
  }
  return prefix + two(Math.floor((ms - start) / 1000));
}
