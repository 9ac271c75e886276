/**
 * The action a header_checks or body_checks table answered, read.
 *
 * DESCRIPTION
 *   `readContentAction(value, context, table)` reads a table's value as
 *   Postfix's cleanup does (cleanup_message.c `cleanup_act`): the first
 *   word, case-insensitive, is the action and the rest its text.
 *
 *     REJECT [text]     refuse the message: 550 5.7.1 text (default
 *                       "message content rejected"); a text that starts
 *                       with a 4.x.x code defers (451) instead
 *     WARN [text]       log, keep going (INFO likewise)
 *     HOLD [text]       put the message in hold/
 *     DISCARD [text]    accept and throw away
 *     IGNORE            drop this header or body line
 *     PREPEND text      add a line before this one (for a header: a
 *                       header, "name: value")
 *     REPLACE text      put text in this line's place (likewise)
 *     REDIRECT addr     send the message to addr only (user@domain)
 *     FILTER t:d        deliver every recipient through transport:nexthop
 *     BCC addr          add a recipient (user@domain)
 *     DUNNO, OK         nothing
 *
 *   A value that breaks these rules is a `misconfigured` action carrying
 *   Postfix's warning text; the line is then left as it is.
 *
 *   Pure; used by the content inspector (`content_inspector.ts`).
 */

/** Which kind of line a table matched. */
export type ActionContext = "header" | "body";

/** What a table's value asks for. */
export type ContentAction =
  | {
    readonly action: "reject";
    readonly code: number;
    readonly dsn: string;
    readonly text: string;
  }
  | {
    readonly action: "warn" | "info" | "hold" | "discard";
    readonly text: string;
  }
  | { readonly action: "ignore" | "dunno" }
  | { readonly action: "prepend" | "replace"; readonly text: string }
  | { readonly action: "redirect" | "bcc"; readonly address: string }
  | { readonly action: "filter"; readonly transport: string }
  | { readonly action: "misconfigured"; readonly warning: string };

/** Postfix's is_header(): a field name, optional blanks, then a colon. */
const HEADER = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/** A leading RFC 3463 code, as Postfix's dsn_prepend looks for it. */
const DSN = /^([245])\.\d{1,3}\.\d{1,3}(?=\s|$)/;

/**
 * Reads a table value.
 * @param table the parameter name, for warnings (`header_checks`)
 */
export function readContentAction(
  value: string,
  context: ActionContext,
  table: string,
): ContentAction {
  const trimmed = value.trim();
  const space = trimmed.search(/[ \t]/);
  const word = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  const text = space < 0 ? "" : trimmed.slice(space).trim();
  switch (word) {
    case "REJECT":
      return reject(text);
    case "WARN":
      return { action: "warn", text };
    case "INFO":
      return { action: "info", text };
    case "HOLD":
      return { action: "hold", text };
    case "DISCARD":
      return { action: "discard", text };
    case "IGNORE":
      return { action: "ignore" };
    case "DUNNO":
    case "OK":
      return { action: "dunno" };
    case "PREPEND":
    case "REPLACE": {
      const action = word === "PREPEND" ? "prepend" : "replace";
      if (text === "") {
        return misconfigured(`${word} action without text in ${table} map`);
      }
      if (context === "header" && !HEADER.test(text)) {
        return misconfigured(
          `bad ${word} header text "${text}" in ${table} map -- ` +
            `need "headername: headervalue"`,
        );
      }
      return { action, text };
    }
    case "REDIRECT":
    case "BCC": {
      const what = word === "REDIRECT" ? "REDIRECT target" : "BCC address";
      if (!text.includes("@")) {
        return misconfigured(
          `bad ${what} "${text}" in ${table} map -- need user@domain`,
        );
      }
      return {
        action: word === "REDIRECT" ? "redirect" : "bcc",
        address: text.replace(/^<(.*)>$/, "$1"),
      };
    }
    case "FILTER":
      if (text === "") {
        return misconfigured(`missing FILTER command argument in ${table} map`);
      }
      if (!text.includes(":")) {
        return misconfigured(
          `bad FILTER command ${text} in ${table} -- ` +
            "need transport:destination",
        );
      }
      return { action: "filter", transport: text };
    default:
      return misconfigured(`unknown command in ${table} map: ${trimmed}`);
  }
}

/** REJECT: 5.7.1 unless the text brings its own 4.x.x or 5.x.x code. */
function reject(text: string): ContentAction {
  if (text === "") {
    return {
      action: "reject",
      code: 550,
      dsn: "5.7.1",
      text: "message content rejected",
    };
  }
  const code = DSN.exec(text);
  if (code === null) {
    return { action: "reject", code: 550, dsn: "5.7.1", text };
  }
  const rest = text.slice(code[0].length).trim();
  // A 2.x.x code cannot refuse anything: Postfix turns it into a 4.
  const dsn = code[1] === "2" ? "4" + code[0].slice(1) : code[0];
  return {
    action: "reject",
    code: dsn.startsWith("4") ? 451 : 550,
    dsn,
    text: rest,
  };
}

function misconfigured(warning: string): ContentAction {
  return { action: "misconfigured", warning };
}
