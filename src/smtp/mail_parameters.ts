/**
 * ESMTP parameters of MAIL FROM and RCPT TO.
 *
 * DESCRIPTION
 *   `parseMailParameters` reads the parameters after the reverse-path:
 *   `SIZE=n` (RFC 1870: refused at once when over `message_size_limit`),
 *   `BODY=7BIT|8BITMIME` (RFC 6152), and DSN's `RET=` and `ENVID=`
 *   (RFC 3461). `parseRcptParameters` reads DSN's `NOTIFY=` and
 *   `ORCPT=`. The DSN values are checked by dsn_parameters.ts; a DSN
 *   keyword given twice is refused. Any other keyword gets
 *   `555 5.5.4 Unsupported option: NAME` (RFC 5321 section 4.1.1.11).
 *
 *   Used by the smtpd command table. Pure.
 *
 * STANDARDS
 *   RFC 5321 section 4.1.2 (`Mail-parameters`), RFC 1870 section 6,
 *   RFC 6152 section 2, RFC 3461 section 4.
 *
 *   Does NOT implement SMTPUTF8, AUTH= or BINARYMIME.
 */
import type { DsnRet, RecipientDsn } from "../queue/enqueue.ts";
import {
  dsnKeywordTwice,
  parseEnvid,
  parseNotify,
  parseOrcpt,
  parseRet,
} from "./dsn_parameters.ts";
import { printable, type Reply, reply } from "./replies.ts";

/** What MAIL FROM may declare. */
export interface MailParameters {
  /** Declared message size (RFC 1870), or null. */
  readonly size: number | null;
  /** Declared body type (RFC 6152), or null. */
  readonly body: "7BIT" | "8BITMIME" | null;
  /** DSN RET= (RFC 3461), or null. */
  readonly ret: DsnRet | null;
  /** DSN ENVID=, decoded from xtext, or null. */
  readonly envid: string | null;
}

/** Parsed parameters, or the reply that refuses them. */
export type ParametersParse<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reply: Reply };

const SIZE_VALUE = /^\d{1,20}$/;

/** Splits `A=1 B` into keyword/value pairs (keywords upper-cased). */
function tokens(
  text: string,
): Array<{ keyword: string; value: string; raw: string }> {
  return text.split(" ").filter((t) => t !== "").map((raw) => {
    const eq = raw.indexOf("=");
    return eq < 0 ? { keyword: raw.toUpperCase(), value: "", raw } : {
      keyword: raw.slice(0, eq).toUpperCase(),
      value: raw.slice(eq + 1),
      raw,
    };
  });
}

function unsupported(raw: string): { ok: false; reply: Reply } {
  return {
    ok: false,
    reply: reply(555, "5.5.4", `Unsupported option: ${printable(raw)}`),
  };
}

/**
 * Reads MAIL FROM parameters.
 * @param text parameters after the path (may be empty)
 * @param sizeLimit `message_size_limit` in bytes; 0 means no limit
 */
export function parseMailParameters(
  text: string,
  sizeLimit: number,
): ParametersParse<MailParameters> {
  let size: number | null = null;
  let body: MailParameters["body"] = null;
  let ret: DsnRet | null = null;
  let envid: string | null = null;
  for (const { keyword, value, raw } of tokens(text)) {
    if (keyword === "SIZE") {
      if (!SIZE_VALUE.test(value)) {
        return {
          ok: false,
          reply: reply(501, "5.5.4", "Bad message size syntax"),
        };
      }
      size = Number(value);
      if (sizeLimit > 0 && size > sizeLimit) {
        return {
          ok: false,
          reply: reply(552, "5.3.4", "Message size exceeds fixed limit"),
        };
      }
    } else if (keyword === "BODY") {
      const type = value.toUpperCase();
      if (type !== "7BIT" && type !== "8BITMIME") {
        return {
          ok: false,
          reply: reply(501, "5.5.4", "Bad BODY keyword syntax"),
        };
      }
      body = type;
    } else if (keyword === "RET") {
      if (ret !== null) return { ok: false, reply: dsnKeywordTwice(keyword) };
      const parsed = parseRet(value);
      if (!parsed.ok) return parsed;
      ret = parsed.value;
    } else if (keyword === "ENVID") {
      if (envid !== null) return { ok: false, reply: dsnKeywordTwice(keyword) };
      const parsed = parseEnvid(value);
      if (!parsed.ok) return parsed;
      envid = parsed.value;
    } else return unsupported(raw);
  }
  return { ok: true, value: { size, body, ret, envid } };
}

/** Reads RCPT TO parameters: DSN's NOTIFY= and ORCPT=. */
export function parseRcptParameters(
  text: string,
): ParametersParse<RecipientDsn> {
  let notify: RecipientDsn["notify"];
  let orcpt: RecipientDsn["orcpt"];
  for (const { keyword, value, raw } of tokens(text)) {
    if (keyword === "NOTIFY") {
      if (notify !== undefined) {
        return { ok: false, reply: dsnKeywordTwice(keyword) };
      }
      const parsed = parseNotify(value);
      if (!parsed.ok) return parsed;
      notify = parsed.value;
    } else if (keyword === "ORCPT") {
      if (orcpt !== undefined) {
        return { ok: false, reply: dsnKeywordTwice(keyword) };
      }
      const parsed = parseOrcpt(value);
      if (!parsed.ok) return parsed;
      orcpt = parsed.value;
    } else return unsupported(raw);
  }
  return {
    ok: true,
    value: { ...(notify ? { notify } : {}), ...(orcpt ? { orcpt } : {}) },
  };
}
