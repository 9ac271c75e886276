/**
 * The `From ` separator line that starts each message in an mbox file.
 *
 * DESCRIPTION
 *   `From <envelope sender> <asctime date>`, e.g.
 *
 *     From alice@example.org Thu Nov 24 18:22:48 1986
 *
 *   as Postfix's local(8) writes it: the null sender becomes
 *   `MAILER-DAEMON`, the date is the delivery time in local time in
 *   asctime(3) layout (day of month padded with a space). See mbox(5).
 */
import {
  DAY_NAMES as DAYS,
  MONTH_NAMES as MONTHS,
} from "../../common/calendar.ts";

/** Formats `time` (ms since the epoch, local time) like asctime(3). */
export function asctime(time: number): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${
    String(d.getDate()).padStart(2, " ")
  } ${two(d.getHours())}:${two(d.getMinutes())}:${
    two(d.getSeconds())
  } ${d.getFullYear()}`;
}

/**
 * The separator line (with its LF) for a message from `sender`.
 * @param sender envelope sender, "" for the null sender
 * @param time delivery time, ms since the epoch
 */
export function mboxFromLine(sender: string, time: number): string {
  // Whitespace would split the sender into two fields for mbox readers.
  const who = sender === "" ? "MAILER-DAEMON" : sender.replace(/\s/g, "_");
  return `From ${who} ${asctime(time)}\n`;
}
