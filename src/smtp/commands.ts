/**
 * The smtpd command table.
 *
 * DESCRIPTION
 *   One entry per SMTP verb, as OpenSMTPD's smtp_session.c pairs them: a
 *   side-effect-free `check` that refuses the command when it is out of
 *   sequence (RFC 5321 section 4.1.4), and a `proceed` that checks the
 *   argument and returns the transition, reply included. Replies follow
 *   Postfix's wording, so admins and log tools see what they know.
 *
 *   EHLO offers PIPELINING, SIZE, VRFY (unless disable_vrfy_command),
 *   ETRN, STARTTLS and AUTH (when available, `starttls.ts`,
 *   `sasl_auth.ts`), ENHANCEDSTATUSCODES, 8BITMIME and DSN (Postfix's
 *   order); MAIL and RCPT take the DSN parameters (`mail_parameters.ts`),
 *   which the envelope carries to the queue.
 *   HELO/EHLO end any transaction (RFC 5321 section 4.1.4). VRFY refuses
 *   an unknown local or virtual user as RCPT does, else answers 252
 *   (`vrfy.ts`). RCPT follows the address resolver (src/resolve/): for a
 *   local domain (or one that may be virtual) it asks the recipient
 *   verifier (an action), after the restriction lists permitted the
 *   recipient (`restriction_steps.ts`: relay permission is
 *   `reject_unauth_destination` in `smtpd_relay_restrictions`). DATA
 *   asks `smtpd_data_restrictions` first when it is set.
 *
 *   Used by the session (`session.ts`). Pure.
 *
 * STANDARDS
 *   RFC 5321 sections 4.1.1 (commands), 4.1.4 (order), 4.3.2 (replies),
 *   4.5.1 (postmaster), 4.5.3.1.8 (recipient limit); RFC 1870, RFC 2920,
 *   RFC 6152, RFC 2034, RFC 3461 (EHLO keywords).
 *
 *   ETRN starts a flush of a site (`etrn.ts`, RFC 1985).
 *
 *   Does NOT implement EXPN, TURN or BDAT: they get 502 like any unknown
 *   command.
 */
import { envelopeDispositions } from "./message_dispositions.ts";
import type {
  SessionPolicy,
  SmtpSession,
  Transition,
} from "./session_types.ts";
import { formatMailbox, parsePath } from "./address.ts";
import { parseMailParameters, parseRcptParameters } from "./mail_parameters.ts";
import { printable, type Reply, reply } from "./replies.ts";
import { checkRestrictions, stageHasList } from "./restriction_steps.ts";
import { resolveAddress } from "../resolve/resolve_address.ts";
import { rewriteSender } from "../resolve/rewrite_address.ts";
import { answer, closeSession, logLine, rejectLogLine } from "./transitions.ts";
import { queueSpaceShortfall } from "../config/queue_space.ts";
import { vrfy } from "./vrfy.ts";
import { isSrsRecipient } from "../srs/mod.ts";
import { etrn, etrnCheck } from "./etrn.ts";
import { offersStartTls, starttls } from "./starttls.ts";
import { auth, offersAuth, SASL_MECHANISMS } from "./sasl_auth.ts";
import { forwardedClient, xforward, xforwardKeywords } from "./xforward.ts";

/**
 * The protocol as Postfix names it in Received: and the queue file:
 * `SMTP` after HELO; after EHLO `ESMTP`, plus `S` under TLS and `A` once
 * authenticated (RFC 3848).
 */
export function protocolName(s: SmtpSession): string {
  if (s.protocol === "SMTP") return "SMTP";
  return `ESMTP${s.tls === null ? "" : "S"}${
    s.authenticatedUser === null ? "" : "A"
  }`;
}

/** The verbs smtpd knows. */
export type Verb =
  | "HELO"
  | "EHLO"
  | "MAIL"
  | "RCPT"
  | "DATA"
  | "RSET"
  | "NOOP"
  | "VRFY"
  | "ETRN"
  | "HELP"
  | "QUIT"
  | "STARTTLS"
  | "AUTH"
  | "XFORWARD";

/** One row of the command table. */
export interface CommandSpec {
  /** The refusal when the command is out of sequence, or null. No side effects. */
  readonly check: (session: SmtpSession) => Reply | null;
  /** Carries out the command (its argument already split off). */
  readonly proceed: (
    session: SmtpSession,
    argument: string,
    policy: SessionPolicy,
  ) => Transition;
}

const inOrder = (): Reply | null => null;

const ok = (enhanced: string) => reply(250, enhanced, "Ok");

const syntax = (usage: string) => reply(501, "5.5.4", `Syntax: ${usage}`);

/** The command table (OpenSMTPD's check/proceed pairs). */
export const COMMANDS: Readonly<Record<Verb, CommandSpec>> = {
  HELO: { check: inOrder, proceed: (s, arg, p) => hello(s, arg, p, "SMTP") },
  EHLO: { check: inOrder, proceed: (s, arg, p) => hello(s, arg, p, "ESMTP") },
  MAIL: {
    check: (s) => {
      if (s.helo === null) {
        return reply(503, "5.5.1", "Error: send HELO/EHLO first");
      }
      if (s.transaction !== null) {
        return reply(503, "5.5.1", "Error: nested MAIL command");
      }
      return null;
    },
    proceed: mail,
  },
  RCPT: {
    check: (s) =>
      s.transaction === null
        ? reply(503, "5.5.1", "Error: need MAIL command")
        : null,
    proceed: rcpt,
  },
  DATA: {
    check: (s) => {
      if (s.transaction === null) {
        return reply(503, "5.5.1", "Error: need RCPT command");
      }
      if (s.transaction.recipients.length === 0) {
        return reply(554, "5.5.1", "Error: no valid recipients");
      }
      return null;
    },
    proceed: data,
  },
  RSET: {
    check: inOrder,
    proceed: (s, arg) =>
      arg !== ""
        ? answer(s, "rset", syntax("RSET"))
        : answer(s, "rset", ok("2.0.0"), { transaction: null }),
  },
  NOOP: { check: inOrder, proceed: (s) => answer(s, "noop", ok("2.0.0")) },
  VRFY: {
    check: inOrder,
    proceed: (s, arg, p) =>
      p.disable_vrfy_command
        ? answer(s, "vrfy", reply(502, "5.5.1", "VRFY command is disabled"))
        : vrfy(s, arg, p),
  },
  ETRN: { check: etrnCheck, proceed: etrn },
  STARTTLS: { check: inOrder, proceed: starttls },
  AUTH: { check: inOrder, proceed: auth },
  XFORWARD: { check: inOrder, proceed: xforward },
  HELP: {
    check: inOrder,
    proceed: (s) =>
      answer(
        s,
        "help",
        reply(
          214,
          "2.0.0",
          "Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY ETRN HELP QUIT",
        ),
      ),
  },
  QUIT: {
    check: inOrder,
    proceed: (s) => {
      const bye = answer(s, "quit", reply(221, "2.0.0", "Bye"));
      return closeSession(bye.session, bye.actions);
    },
  },
};

/** Whether `word` (upper case) is a verb of the table. */
export function isVerb(word: string): word is Verb {
  return Object.hasOwn(COMMANDS, word);
}

/** HELO/EHLO once its restriction list permitted it. */
export function helloChecked(
  s: SmtpSession,
  pending: { readonly argument: string; readonly protocol: "SMTP" | "ESMTP" },
  policy: SessionPolicy,
): Transition {
  return hello(s, pending.argument, policy, pending.protocol, true);
}

function hello(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
  protocol: "SMTP" | "ESMTP",
  checked = false,
): Transition {
  const verb = protocol === "ESMTP" ? "ehlo" : "helo";
  if (argument === "") {
    return answer(s, verb, syntax(`${verb.toUpperCase()} hostname`));
  }
  if (!checked && stageHasList("helo", policy)) {
    // smtpd_delay_reject = no: the HELO list decides the reply now; the
    // name is the one checked, and is dropped again if it is refused.
    return checkRestrictions({ ...s, helo: printable(argument) }, {
      stage: "helo",
      argument,
      protocol,
      previousHelo: s.helo,
    });
  }
  // The name goes into the envelope, logs and Received:; keep it printable.
  const changes = { helo: printable(argument), protocol, transaction: null };
  if (protocol === "SMTP") {
    return answer(s, verb, reply(250, null, policy.myhostname), changes);
  }
  const size = policy.message_size_limit > 0
    ? `SIZE ${policy.message_size_limit}`
    : "SIZE";
  // Postfix's order; VRFY is not offered when it is disabled.
  const keywords = reply(
    250,
    null,
    policy.myhostname,
    "PIPELINING",
    size,
    ...(policy.disable_vrfy_command ? [] : ["VRFY"]),
    "ETRN",
    ...(offersStartTls(s, policy) ? ["STARTTLS"] : []),
    ...(offersAuth(s, policy) ? [`AUTH ${SASL_MECHANISMS.join(" ")}`] : []),
    ...xforwardKeywords(s, policy),
    "ENHANCEDSTATUSCODES",
    "8BITMIME",
    "DSN",
  );
  return answer(s, verb, keywords, changes);
}

function mail(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (!/^FROM:/i.test(argument)) {
    return answer(s, "mail", syntax("MAIL FROM:<address>"));
  }
  const parsed = parsePath(argument.slice(5), { allowNull: true });
  if (!parsed.ok) {
    return answer(s, "mail", reply(501, "5.1.7", "Bad sender address syntax"));
  }
  const parameters = parseMailParameters(
    parsed.parameters,
    policy.message_size_limit,
  );
  if (!parameters.ok) {
    // Over the size limit is policy, logged as Postfix's smtpd does;
    // parameter syntax errors are not.
    const refusal = parameters.reply;
    const log = refusal.code === 552 ? [rejectLogLine(s, "MAIL", refusal)] : [];
    return answer(s, "mail", refusal, {}, log);
  }
  const shortfall = queueSpaceShortfall(
    s.queueFreeSpace,
    policy,
    parameters.value.size,
  );
  if (shortfall !== undefined) {
    const refusal = reply(452, "4.3.1", "Insufficient system storage");
    return answer(s, "mail", refusal, {}, [
      logLine(shortfall, "warning"),
      rejectLogLine(s, "MAIL", refusal),
    ]);
  }
  const transaction = {
    sender: parsed.path.mailbox === null
      ? ""
      : rewriteSender(formatMailbox(parsed.path.mailbox), policy),
    bodyType: parameters.value.body,
    recipients: [],
    queueId: null,
    ...(parameters.value.ret === null ? {} : { ret: parameters.value.ret }),
    ...(parameters.value.envid === null
      ? {}
      : { envid: parameters.value.envid }),
  };
  if (stageHasList("mail", policy)) {
    return checkRestrictions({ ...s, transaction }, { stage: "mail" });
  }
  return answer(s, "mail", ok("2.1.0"), { transaction });
}

function rcpt(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (!/^TO:/i.test(argument)) {
    return answer(s, "rcpt", syntax("RCPT TO:<address>"));
  }
  const parsed = parsePath(argument.slice(3), { allowNull: false });
  if (!parsed.ok || parsed.path.mailbox === null) {
    return answer(
      s,
      "rcpt",
      reply(501, "5.1.3", "Bad recipient address syntax"),
    );
  }
  const parameters = parseRcptParameters(parsed.parameters);
  if (!parameters.ok) return answer(s, "rcpt", parameters.reply);
  const recipients = s.transaction?.recipients ?? [];
  if (recipients.length >= policy.smtpd_recipient_limit) {
    return answer(s, "rcpt", reply(452, "4.5.3", "Error: too many recipients"));
  }
  const mailbox = parsed.path.mailbox;
  // The session cannot wait for table lookups, so it resolves without
  // them: an address that is not local may still be in a virtual mailbox
  // domain or a relay domain, and then the verifier (which resolves
  // again, with the tables) decides. Whether the client may relay is the
  // restriction lists' question (reject_unauth_destination), asked first.
  const recipient = resolveAddress(
    {
      address: formatMailbox(mailbox),
      sourceRoute: parsed.path.sourceRoute,
    },
    policy,
    { virtualMailboxDomain: false },
  );
  // A bounce to an SRS address of ours is for this system to verify and
  // send back, whatever srs_domain's own class.
  const srs = isSrsRecipient(recipient.address, policy);
  const mayBeOurs = recipient.addressClass === "remote" &&
    (policy.virtual_mailbox_domains.length > 0 ||
      policy.relay_domains.length > 0);
  const local = (recipient.addressClass === "local" && !recipient.postmaster) ||
    srs;
  // A content filter's reinjection listener takes recipients checked
  // before the filter (receive_override_options).
  const unchecked = policy.receive_override_options.includes(
    "no_unknown_recipient_checks",
  );
  return checkRestrictions(s, {
    stage: "rcpt",
    given: formatMailbox(mailbox),
    address: recipient.address,
    verify: (local || mayBeOurs) && !unchecked,
    dsn: parameters.value,
    addressClass: srs ? "local" : recipient.addressClass === "local" ||
        recipient.addressClass === "refused"
      ? recipient.addressClass
      : "remote",
  });
}

function data(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (argument !== "") return answer(s, "data", syntax("DATA"));
  if (stageHasList("data", policy)) {
    return checkRestrictions(s, { stage: "data" });
  }
  return openData(s, policy);
}

/**
 * Opens the queue file for the transaction (DATA, once permitted). The
 * message gets the listener's content_filter unless an access FILTER
 * chose another; the client is the one XFORWARD named, if any.
 */
export function openData(s: SmtpSession, policy: SessionPolicy): Transition {
  const t = s.transaction;
  if (t === null) throw new Error("DATA proceeded without a transaction");
  const dispositions = envelopeDispositions(t.dispositions ?? []);
  const { redirect } = dispositions;
  const filter = dispositions.filter ?? contentFilter(policy);
  const client = forwardedClient(s);
  return {
    session: { ...s, phase: "opening" },
    actions: [{
      type: "open-data",
      envelope: {
        sender: t.sender,
        recipients: redirect === undefined ? t.recipients : [redirect],
        ...(filter === undefined ? {} : { filter }),
        clientName: client.name,
        clientAddress: client.address,
        helo: client.helo ?? s.helo ?? "",
        protocol: client.protocol ?? protocolName(s),
        ...(t.bodyType === null ? {} : { bodyType: t.bodyType }),
        ...(t.ret === undefined ? {} : { ret: t.ret }),
        ...(t.envid === undefined ? {} : { envid: t.envid }),
        ...(t.recipientDsn === undefined || redirect !== undefined
          ? {}
          : { recipientDsn: t.recipientDsn }),
      },
    }],
  };
}

/** content_filter, or undefined when it is empty. */
function contentFilter(policy: SessionPolicy): string | undefined {
  const filter = policy.content_filter.trim();
  return filter === "" ? undefined : filter;
}
