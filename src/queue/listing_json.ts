/**
 * The queue listing as JSON lines: `mailsrv queue --json` (Postfix
 * `postqueue -j`).
 *
 * DESCRIPTION
 *   One object per message and per line, with Postfix's field names and
 *   spacing (postqueue/showq_json.c), so scripts written for
 *   `postqueue -j` read it unchanged:
 *
 *   {"queue_name": "deferred", "queue_id": "0Ab3xYz12kLmN9q",
 *    "arrival_time": 1700000000, "message_size": 1234,
 *    "forced_expire": false, "sender": "alice@example.org",
 *    "recipients": [{"address": "bob@example.net",
 *    "delay_reason": "connect to ...: Connection refused"}]}
 *
 *   (on one line). `arrival_time` is in seconds; `delay_reason` appears
 *   only for a recipient that has one; `forced_expire` is always false
 *   (mailsrv has no `postsuper -e`). The null sender is `MAILER-DAEMON`,
 *   as in the text listing. Strings are quoted as Postfix quotes them:
 *   `"` and `\` escaped, control characters as `\b \f \n \r \t` or
 *   `\u00XX`, everything else as UTF-8. Pure.
 */
import type { QueueListingEntry } from "./listing.ts";

const SHORT_ESCAPES: Record<string, string> = {
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A JSON string body as Postfix's json_quote() writes it. */
export function jsonQuote(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are the point
  return text.replace(/["\\\x00-\x1f\x7f]/g, (c) => {
    if (c === '"' || c === "\\") return "\\" + c;
    return SHORT_ESCAPES[c] ??
      "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  });
}

/** One message as one `postqueue -j` line (with its newline). */
export function formatListingJson(entry: QueueListingEntry): string {
  const sender = entry.sender === "" ? "MAILER-DAEMON" : entry.sender;
  const recipients = entry.recipients.map((r) =>
    `{"address": "${jsonQuote(r.address)}"` +
    (r.reason ? `, "delay_reason": "${jsonQuote(r.reason)}"` : "") + "}"
  ).join(", ");
  return `{"queue_name": "${entry.queue}", "queue_id": "${entry.id}", ` +
    `"arrival_time": ${Math.floor(entry.arrivalTime / 1000)}, ` +
    `"message_size": ${entry.size}, "forced_expire": false, ` +
    `"sender": "${jsonQuote(sender)}", "recipients": [${recipients}]}\n`;
}

/** Formats a JSON listing in pieces of about 64 KiB. */
export function* formatQueueListingJson(
  entries: Iterable<QueueListingEntry>,
): IterableIterator<string> {
  let piece = "";
  for (const entry of entries) {
    piece += formatListingJson(entry);
    if (piece.length >= 64 * 1024) {
      yield piece;
      piece = "";
    }
  }
  if (piece !== "") yield piece;
}
