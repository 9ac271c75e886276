/**
 * The DSN parameters of MAIL FROM and RCPT TO: RET, ENVID, NOTIFY, ORCPT.
 *
 * DESCRIPTION
 *   Each reader takes the value after `KEYWORD=` and gives the parsed
 *   value, or the 501 5.5.4 reply that refuses it, in Postfix's words:
 *
 *     RET=FULL|HDRS                  any case
 *     ENVID=xtext                    at most 100 characters; decodes to
 *                                    printable US-ASCII
 *     NOTIFY=NEVER                   alone, or a comma list of SUCCESS,
 *     NOTIFY=SUCCESS,FAILURE,DELAY   FAILURE, DELAY (any case, any order)
 *     ORCPT=addr-type;xtext          an atom, `;`, xtext that decodes to
 *                                    printable US-ASCII; at most 500
 *                                    characters
 *
 *   A keyword given twice in one command is refused (`dsnKeywordTwice`).
 *   xtext itself is common/xtext.ts.
 *
 *   Used by mail_parameters.ts. Pure.
 *
 * STANDARDS
 *   RFC 3461 sections 4.1 (NOTIFY), 4.2 (ORCPT), 4.3 (RET), 4.4 (ENVID).
 *
 *   Does NOT accept RFC 6533's `utf-8` ORCPT form beyond treating its
 *   type as an atom (no SMTPUTF8 here).
 */
import { decodeXtext, isPrintableAscii } from "../common/xtext.ts";
import type {
  DsnNotifyKeyword,
  DsnRet,
  OriginalRecipient,
} from "../queue/enqueue.ts";
import { type Reply, reply } from "./replies.ts";

/** A parsed DSN value, or the reply that refuses it. */
export type DsnValue<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reply: Reply };

/** Longest ENVID value (RFC 3461 section 4.4). */
const ENVID_LIMIT = 100;
/** Longest ORCPT value (RFC 3461 section 4.2). */
const ORCPT_LIMIT = 500;

/** RFC 5322 `atom` characters, for the ORCPT address type. */
const ATOM = /^[A-Za-z0-9!#$%&'*+\/=?^_`{|}~-]+$/;

const CONDITIONS = new Set(["SUCCESS", "FAILURE", "DELAY"]);

function refuse(text: string): { ok: false; reply: Reply } {
  return { ok: false, reply: reply(501, "5.5.4", text) };
}

/** Reads `RET=` (FULL or HDRS, any case). */
export function parseRet(value: string): DsnValue<DsnRet> {
  const ret = value.toUpperCase();
  return ret === "FULL" || ret === "HDRS"
    ? { ok: true, value: ret }
    : refuse("Bad RET parameter syntax");
}

/** Reads `ENVID=` (xtext of printable US-ASCII, decoded). */
export function parseEnvid(value: string): DsnValue<string> {
  const envid = value.length <= ENVID_LIMIT ? decodeXtext(value) : undefined;
  return envid !== undefined && envid !== "" && isPrintableAscii(envid)
    ? { ok: true, value: envid }
    : refuse("Bad ENVID parameter syntax");
}

/** Reads `NOTIFY=` (NEVER alone, or SUCCESS/FAILURE/DELAY). */
export function parseNotify(
  value: string,
): DsnValue<readonly DsnNotifyKeyword[]> {
  const bad = refuse("Error: Bad NOTIFY parameter syntax");
  const words = value.toUpperCase().split(",");
  if (words.length === 1 && words[0] === "NEVER") {
    return { ok: true, value: ["NEVER"] };
  }
  const conditions: DsnNotifyKeyword[] = [];
  for (const word of words) {
    if (!CONDITIONS.has(word)) return bad;
    const keyword = word as DsnNotifyKeyword;
    if (!conditions.includes(keyword)) conditions.push(keyword);
  }
  return { ok: true, value: conditions };
}

/** Reads `ORCPT=` (`addr-type;xtext`, the address decoded). */
export function parseOrcpt(value: string): DsnValue<OriginalRecipient> {
  const bad = refuse("Error: Bad ORCPT parameter syntax");
  const semicolon = value.indexOf(";");
  if (semicolon <= 0 || value.length > ORCPT_LIMIT) return bad;
  const type = value.slice(0, semicolon);
  const address = decodeXtext(value.slice(semicolon + 1));
  if (
    !ATOM.test(type) || address === undefined || address === "" ||
    !isPrintableAscii(address)
  ) return bad;
  return { ok: true, value: { type, address } };
}

/** The refusal of a DSN keyword given twice in one command. */
export function dsnKeywordTwice(keyword: string): Reply {
  return keyword === "RET" || keyword === "ENVID"
    ? reply(501, "5.5.4", `Duplicate ${keyword} parameter`)
    : reply(501, "5.5.4", `Error: Multiple ${keyword} parameters`);
}
