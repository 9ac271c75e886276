/**
 * What an access(5) table value (or a policy service's `action=`) means.
 *
 * DESCRIPTION
 *   OK, or a number alone       permit (this list ends)
 *   DUNNO                       not decided; the next restriction decides
 *   REJECT [text]               554 5.7.1 (access_map_reject_code)
 *   DEFER [text]                450 4.7.1 (access_map_defer_code)
 *   DEFER_IF_REJECT [text],     remember a 450 for a later reject, or for
 *   DEFER_IF_PERMIT [text]        a final permit
 *   NNN [D.D.D] text            that reply (4xx or 5xx)
 *   WARN text                   log `warn: …` and go on
 *   HOLD, DISCARD [text],       a disposition of the whole message; DISCARD
 *   PREPEND header,               also permits, the others go on
 *   FILTER transport:dest,
 *   REDIRECT address
 *   anything else               a restriction list, evaluated in place
 *
 *   Replies name what was looked up and its class, as Postfix writes
 *   them: `554 5.7.1 <user@example.com>: Sender address rejected: text`,
 *   with `Access denied` when no text is given.
 *
 *   Used by the restriction evaluator. Pure.
 */
import type { MessageDisposition, RestrictionReply } from "./types.ts";

/** What one table value asks for. */
export type AccessAction =
  | { readonly kind: "ok" }
  | { readonly kind: "dunno" }
  | { readonly kind: "reject"; readonly reply: RestrictionReply }
  | { readonly kind: "defer_if_permit"; readonly reply: RestrictionReply }
  | { readonly kind: "defer_if_reject"; readonly reply: RestrictionReply }
  | { readonly kind: "warn"; readonly text: string }
  | {
    readonly kind: "disposition";
    readonly disposition: MessageDisposition;
    /** DISCARD permits; the others go on to the next restriction. */
    readonly permits: boolean;
  }
  | { readonly kind: "list"; readonly words: readonly string[] };

/** What a reply is about: `<what>: <Class> rejected: text`. */
export interface ReplySubject {
  /** The thing looked up: an address, a HELO name, `name[addr]`. */
  readonly what: string;
  /** `Client host`, `Helo command`, `Sender address`, `Recipient address`, … */
  readonly class: string;
}

/** A reply naming its subject, as Postfix's smtpd_check_reject writes it. */
export function subjectReply(
  code: number,
  dsn: string,
  subject: ReplySubject,
  text: string,
): RestrictionReply {
  return {
    code,
    dsn,
    text: `<${subject.what}>: ${subject.class} rejected: ${text}`,
  };
}

const DSN = /^([245])\.\d{1,3}\.\d{1,3}$/;

/** Interprets a table value found for `subject`. */
export function accessAction(
  value: string,
  subject: ReplySubject,
): AccessAction {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const word = (space === -1 ? trimmed : trimmed.slice(0, space))
    .toUpperCase();
  const rest = space === -1 ? "" : trimmed.slice(space + 1).trim();
  const textOr = (fallback: string) => rest === "" ? fallback : rest;
  switch (word) {
    case "OK":
      return { kind: "ok" };
    case "DUNNO":
      return { kind: "dunno" };
    case "REJECT":
      return reject(554, subject, rest, "5.7.1");
    case "DEFER":
      return reject(450, subject, rest, "4.7.1");
    case "DEFER_IF_REJECT":
    case "DEFER_IF_PERMIT":
      return {
        kind: word === "DEFER_IF_REJECT"
          ? "defer_if_reject"
          : "defer_if_permit",
        reply: rejectReply(
          450,
          subject,
          textOr("Service unavailable"),
          "4.7.1",
        ),
      };
    case "WARN":
      return { kind: "warn", text: rest };
    case "HOLD":
      return disposition({ action: "hold", reason: rest }, false);
    case "DISCARD":
      return disposition({ action: "discard", reason: rest }, true);
    case "PREPEND":
      return rest === ""
        ? { kind: "dunno" }
        : disposition({ action: "prepend", header: rest }, false);
    case "FILTER":
      return disposition({ action: "filter", transport: rest }, false);
    case "REDIRECT":
      return disposition({ action: "redirect", address: rest }, false);
  }
  if (/^\d+$/.test(word)) {
    const code = Number(word);
    if (word.length === 3 && code >= 400 && code < 600) {
      const dsnWord = rest.split(/\s+/)[0];
      const match = DSN.exec(dsnWord);
      if (match && match[1] === word[0]) {
        return reject(
          code,
          subject,
          rest.slice(dsnWord.length).trim(),
          dsnWord,
        );
      }
      return reject(code, subject, rest, `${word[0]}.7.1`);
    }
    // Postfix reads any other number (a 2xx code, a timestamp) as OK.
    return { kind: "ok" };
  }
  return { kind: "list", words: trimmed.split(/[\s,]+/) };
}

function reject(
  code: number,
  subject: ReplySubject,
  text: string,
  dsn: string,
): AccessAction {
  return { kind: "reject", reply: rejectReply(code, subject, text, dsn) };
}

/**
 * The reply for a code and text; a text that starts with its own status
 * code (`4.2.0 Greylisted`, as postgrey sends) keeps it, as in Postfix.
 */
function rejectReply(
  code: number,
  subject: ReplySubject,
  text: string,
  dsn: string,
): RestrictionReply {
  const word = text.split(/\s+/)[0];
  const match = DSN.exec(word);
  const own = match !== null && match[1] === String(code)[0];
  const rest = own ? text.slice(word.length).trim() : text;
  return subjectReply(
    code,
    own ? word : dsn,
    subject,
    rest === "" ? "Access denied" : rest,
  );
}

function disposition(
  d: MessageDisposition,
  permits: boolean,
): AccessAction {
  return { kind: "disposition", disposition: d, permits };
}
