/**
 * English day and month abbreviations, as mail's date formats use them
 * (RFC 5322 dates, asctime(3) `From ` lines, syslog and mailq times),
 * whatever the locale.
 */

/** `Sun` … `Sat`, indexed like `Date.getDay()`. */
export const DAY_NAMES: readonly string[] = [
  "Sun",
  "Mon",
  "Tue",
  "Wed",
  "Thu",
  "Fri",
  "Sat",
];

/** `Jan` … `Dec`, indexed like `Date.getMonth()`. */
export const MONTH_NAMES: readonly string[] = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];
