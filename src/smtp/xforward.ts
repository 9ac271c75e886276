/**
 * XFORWARD: a trusted content filter passes on the original client.
 *
 * DESCRIPTION
 *   Postfix's XFORWARD_README. A client in
 *   `smtpd_authorized_xforward_hosts` (literal networks) is offered
 *
 *     250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE
 *
 *   and may send, outside a mail transaction, any number of
 *
 *     XFORWARD NAME=mx.example.com ADDR=192.0.2.1 PROTO=ESMTP HELO=mx…
 *
 *   (values xtext-encoded; `[UNAVAILABLE]` and `[TEMPUNAVAIL]` mean not
 *   known). The next message's queue file, Received: header and
 *   `client=` log line then name the forwarded client, HELO and protocol
 *   instead of the filter; the log line adds `orig_queue_id=IDENT` and
 *   `orig_client=` (the filter itself). An attribute not forwarded keeps
 *   the session's own value (a forwarded NAME that is unavailable is
 *   `unknown`). The attributes are used by one transaction (Postfix
 *   resets them at the end of each).
 *
 *   Replies, as Postfix's smtpd words them: 250 2.0.0 Ok; 550 5.7.0
 *   Error: insufficient authorization; 503 5.5.1 Error: MAIL transaction
 *   in progress; 501 5.5.4 for a bad attribute or value.
 *
 *   Used by the session (`commands.ts`, `session.ts`). Pure.
 *
 *   Does NOT trust tables in smtpd_authorized_xforward_hosts, and does
 *   NOT change address rewriting for SOURCE=LOCAL (it is logged only).
 */
import { decodeXtext } from "../common/xtext.ts";
import { inNetworks, isIpAddress } from "../policy/networks.ts";
import type {
  SessionPolicy,
  SmtpSession,
  Transition,
  XforwardAttributes,
} from "./session_types.ts";
import { reply } from "./replies.ts";
import { answer, clientLabel } from "./transitions.ts";

/** The attributes offered in EHLO, in Postfix's order. */
export const XFORWARD_ATTRIBUTES = [
  "NAME",
  "ADDR",
  "PORT",
  "PROTO",
  "HELO",
  "IDENT",
  "SOURCE",
] as const;

type Attribute = typeof XFORWARD_ATTRIBUTES[number];

/** Newer Postfix clients send these too; accepted and ignored. */
const IGNORED = ["DESTADDR", "DESTPORT"];

// deno-lint-ignore no-control-regex
const UNPRINTABLE = /[\x00-\x20\x7f]/;

/** The longest value an attribute may have. */
const MAX_VALUE = 255;

/** Whether the client may send XFORWARD (EHLO offers it). */
export function offersXforward(
  s: SmtpSession,
  policy: Pick<SessionPolicy, "smtpd_authorized_xforward_hosts">,
): boolean {
  return policy.smtpd_authorized_xforward_hosts.length > 0 &&
    inNetworks(s.client.address, policy.smtpd_authorized_xforward_hosts);
}

/** The EHLO keyword line, or nothing for an unauthorized client. */
export function xforwardKeywords(
  s: SmtpSession,
  policy: Pick<SessionPolicy, "smtpd_authorized_xforward_hosts">,
): string[] {
  return offersXforward(s, policy)
    ? [`XFORWARD ${XFORWARD_ATTRIBUTES.join(" ")}`]
    : [];
}

const syntax = (text: string) => reply(501, "5.5.4", text);

/** A value checked for its attribute, or the reason it is refused. */
function checkedValue(
  attribute: Attribute,
  value: string,
): { ok: true; value: string | undefined } | { ok: false; text: string } {
  if (value === "[UNAVAILABLE]" || value === "[TEMPUNAVAIL]") {
    return { ok: true, value: attribute === "NAME" ? "unknown" : undefined };
  }
  if (value.length > MAX_VALUE || UNPRINTABLE.test(value)) {
    return { ok: false, text: `Bad ${attribute} syntax: ${value}` };
  }
  switch (attribute) {
    case "ADDR": {
      const address = value.replace(/^IPv6:/i, "");
      return isIpAddress(address)
        ? { ok: true, value: address }
        : { ok: false, text: `Bad ADDR syntax: ${value}` };
    }
    case "PORT":
      return /^[0-9]{1,5}$/.test(value) && Number(value) <= 65535
        ? { ok: true, value }
        : { ok: false, text: `Bad PORT syntax: ${value}` };
    case "PROTO":
      return /^[A-Za-z0-9-]+$/.test(value)
        ? { ok: true, value }
        : { ok: false, text: `Bad PROTO syntax: ${value}` };
    case "SOURCE": {
      const source = value.toUpperCase();
      return source === "LOCAL" || source === "REMOTE"
        ? { ok: true, value: source }
        : { ok: false, text: `Bad SOURCE syntax: ${value}` };
    }
    default:
      return { ok: true, value };
  }
}

/** The XFORWARD command. */
export function xforward(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (!offersXforward(s, policy)) {
    return answer(
      s,
      "xforward",
      reply(550, "5.7.0", "Error: insufficient authorization"),
    );
  }
  if (s.transaction !== null) {
    return answer(
      s,
      "xforward",
      reply(503, "5.5.1", "Error: MAIL transaction in progress"),
    );
  }
  const words = argument.split(/[ \t]+/).filter((w) => w !== "");
  if (words.length === 0) {
    return answer(s, "xforward", syntax("Syntax: XFORWARD attribute=value..."));
  }
  const attributes: Record<string, string | undefined> = {
    ...s.xforward,
  };
  for (const word of words) {
    const equals = word.indexOf("=");
    const name = (equals < 0 ? word : word.slice(0, equals)).toUpperCase();
    if (equals <= 0) {
      return answer(s, "xforward", syntax(`Error: bad syntax: ${word}`));
    }
    if (IGNORED.includes(name)) continue;
    if (!(XFORWARD_ATTRIBUTES as readonly string[]).includes(name)) {
      return answer(
        s,
        "xforward",
        syntax(`Bad XFORWARD attribute name: ${name}`),
      );
    }
    const decoded = decodeXtext(word.slice(equals + 1));
    if (decoded === undefined) {
      return answer(s, "xforward", syntax(`Bad ${name} syntax: ${word}`));
    }
    const checked = checkedValue(name as Attribute, decoded);
    if (!checked.ok) return answer(s, "xforward", syntax(checked.text));
    attributes[name.toLowerCase()] = checked.value;
  }
  const xforward: XforwardAttributes = Object.fromEntries(
    Object.entries(attributes).filter(([, v]) => v !== undefined),
  );
  return answer(s, "xforward", reply(250, "2.0.0", "Ok"), { xforward });
}

/** The client as the envelope names it: forwarded where forwarded. */
export function forwardedClient(s: SmtpSession): {
  readonly name: string;
  readonly address: string;
  readonly helo: string | undefined;
  readonly protocol: string | undefined;
} {
  const x = s.xforward ?? {};
  return {
    name: x.name ?? s.client.name,
    address: x.addr ?? s.client.address,
    helo: x.helo,
    protocol: x.proto,
  };
}

/**
 * The `client=` field of the queue ID log line: the forwarded client,
 * then `orig_queue_id=` and `orig_client=` when XFORWARD was used.
 */
export function clientLogField(s: SmtpSession): string {
  if (s.xforward === undefined) return clientLabel(s);
  const client = forwardedClient(s);
  const ident = s.xforward.ident === undefined
    ? ""
    : `, orig_queue_id=${s.xforward.ident}`;
  return `${client.name}[${client.address}]${ident}, orig_client=${
    clientLabel(s)
  }`;
}
