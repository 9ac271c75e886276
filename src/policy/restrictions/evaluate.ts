/**
 * The restriction evaluator: Postfix's smtpd_check, without the I/O.
 *
 * DESCRIPTION
 *   `evaluateRestrictions(request, settings, lookups)` applies the lists
 *   that belong to the request's stage and returns one verdict. Which
 *   lists run when follows Postfix:
 *
 *     smtpd_delay_reject = yes (default)   at RCPT: client, helo, sender,
 *                                          relay, recipient lists
 *     smtpd_delay_reject = no              at connect: client list; at
 *                                          HELO/EHLO: helo list; at MAIL:
 *                                          sender list; at RCPT: relay,
 *                                          recipient
 *     always                               data at DATA, end-of-data at
 *                                          the end of the message
 *
 *   In each list the first restriction that permits or rejects decides
 *   that list; a permit moves on to the next list, a reject ends the
 *   evaluation. `warn_if_reject` turns the reject of the restriction after
 *   it into a logged `reject_warning`; `defer_if_permit` (and DNS
 *   failures of the reject_unknown_* checks) make a final permit a 450;
 *   `defer_if_reject` makes a later 5xx reject a 450.
 *
 *   The lookups (tables, DNS, mynetworks tables, the recipient verifier,
 *   policy services, the greylist) are injected, so this module does no
 *   I/O itself; a lookup that throws defers the request with Postfix's
 *   `451 4.3.0 Temporary lookup failure` (tables) or
 *   `451 4.3.5 Server configuration problem`.
 *
 *   Used by smtpd's adapter for the session's `check-restrictions`
 *   action. Pure apart from the injected lookups.
 */
import {
  type AccessAction,
  accessAction,
  type ReplySubject,
  subjectReply,
} from "./access_result.ts";
import { clientKeys, domainKeys, mailAddressKeys } from "./access_keys.ts";
import { parseRestrictionList, type Restriction } from "./restriction_list.ts";
import { checkDnsList, dnsListReply } from "./dns_lists.ts";
import {
  checkDmarc,
  type MailAuthOutcome,
  spfRestriction,
} from "./mail_auth_checks.ts";
import {
  isAddressLiteral,
  isFullyQualified,
  isValidHostname,
} from "./hostnames.ts";
import type {
  MessageDisposition,
  RestrictionListName,
  RestrictionLookups,
  RestrictionReply,
  RestrictionRequest,
  RestrictionStage,
  RestrictionVerdict,
  RestrictionWarning,
} from "./types.ts";

/** The parsed lists and the switches that steer evaluation. */
export interface RestrictionSettings {
  readonly lists: Readonly<Record<RestrictionListName, readonly Restriction[]>>;
  /** `smtpd_delay_reject`. */
  readonly delayReject: boolean;
  /** `parent_domain_matches_subdomains` lists `smtpd_access_maps`. */
  readonly parentMatches: boolean;
}

/** The lists evaluated at a stage, in order. */
export function listsForStage(
  stage: RestrictionStage,
  delayReject: boolean,
): RestrictionListName[] {
  switch (stage) {
    case "connect":
      return delayReject ? [] : ["smtpd_client_restrictions"];
    case "helo":
      return delayReject ? [] : ["smtpd_helo_restrictions"];
    case "mail":
      return delayReject ? [] : ["smtpd_sender_restrictions"];
    case "rcpt":
      return [
        ...(delayReject
          ? [
            "smtpd_client_restrictions",
            "smtpd_helo_restrictions",
            "smtpd_sender_restrictions",
          ] as const
          : []),
        "smtpd_relay_restrictions",
        "smtpd_recipient_restrictions",
      ];
    case "data":
      return ["smtpd_data_restrictions"];
    case "end-of-data":
      return ["smtpd_end_of_data_restrictions"];
  }
}

/** Whether a stage has any restriction to evaluate (else skip the round trip). */
export function stageHasRestrictions(
  stage: RestrictionStage,
  settings: RestrictionSettings,
): boolean {
  return listsForStage(stage, settings.delayReject).some((name) =>
    settings.lists[name].length > 0
  );
}

/** How a list names what it refuses (`<what>: Class rejected: …`). */
function listSubject(
  list: RestrictionListName,
  r: RestrictionRequest,
): ReplySubject {
  switch (list) {
    case "smtpd_client_restrictions":
      return clientSubject(r);
    case "smtpd_helo_restrictions":
      return { what: r.helo ?? "", class: "Helo command" };
    case "smtpd_sender_restrictions":
      return { what: r.sender ?? "", class: "Sender address" };
    case "smtpd_relay_restrictions":
    case "smtpd_recipient_restrictions":
      return r.recipient === null
        ? clientSubject(r)
        : { what: r.recipient, class: "Recipient address" };
    case "smtpd_data_restrictions":
      return { what: "DATA", class: "Data command" };
    case "smtpd_end_of_data_restrictions":
      return { what: "END-OF-MESSAGE", class: "End-of-data" };
  }
}

function clientSubject(r: RestrictionRequest): ReplySubject {
  return { what: `${r.clientName}[${r.clientAddress}]`, class: "Client host" };
}

/** One restriction's outcome. */
type Outcome =
  | { readonly kind: "ok" }
  | { readonly kind: "dunno" }
  | { readonly kind: "reject"; readonly reply: RestrictionReply };

const OK: Outcome = { kind: "ok" };
const DUNNO: Outcome = { kind: "dunno" };
const MAX_NESTING = 8;

/** The state of one evaluation. */
class Evaluation {
  readonly warnings: RestrictionWarning[] = [];
  readonly dispositions: MessageDisposition[] = [];
  deferIfPermit: RestrictionReply | null = null;
  deferIfReject: RestrictionReply | null = null;

  constructor(
    readonly request: RestrictionRequest,
    readonly settings: RestrictionSettings,
    readonly lookups: RestrictionLookups,
  ) {}
}

/** Evaluates the lists of the request's stage. */
export async function evaluateRestrictions(
  request: RestrictionRequest,
  settings: RestrictionSettings,
  lookups: RestrictionLookups,
): Promise<RestrictionVerdict> {
  const e = new Evaluation(request, settings, lookups);
  for (const list of listsForStage(request.stage, settings.delayReject)) {
    const outcome = await applyList(
      e,
      settings.lists[list],
      listSubject(list, request),
      0,
    );
    if (outcome.kind === "reject") {
      let reply = outcome.reply;
      if (reply.code >= 500 && e.deferIfReject !== null) {
        reply = e.deferIfReject;
      }
      return verdict(e, reply);
    }
  }
  return verdict(e, e.deferIfPermit);
}

function verdict(
  e: Evaluation,
  refusal: RestrictionReply | null,
): RestrictionVerdict {
  return {
    refusal,
    warnings: e.warnings,
    dispositions: refusal === null ? e.dispositions : [],
  };
}

async function applyList(
  e: Evaluation,
  list: readonly Restriction[],
  subject: ReplySubject,
  depth: number,
): Promise<Outcome> {
  let warnOnly = false;
  for (const restriction of list) {
    if (restriction.name === "warn_if_reject") {
      warnOnly = true;
      continue;
    }
    let outcome: Outcome;
    try {
      outcome = await applyOne(e, restriction, subject, depth, warnOnly);
    } catch (error) {
      outcome = { kind: "reject", reply: lookupFailure(error) };
    }
    const softened = warnOnly;
    warnOnly = false;
    if (outcome.kind === "reject" && softened) {
      e.warnings.push({
        kind: "reject_warning",
        text: replyText(outcome.reply),
      });
      continue;
    }
    if (outcome.kind !== "dunno") return outcome;
  }
  return DUNNO;
}

/** `554 5.7.1 text`, as reply and log lines show a reply. */
export function replyText(reply: RestrictionReply): string {
  return `${reply.code} ${reply.dsn} ${reply.text}`;
}

function lookupFailure(error: unknown): RestrictionReply {
  const tableError = error instanceof Error &&
    error.name === "LookupTableError";
  return tableError
    ? { code: 451, dsn: "4.3.0", text: "Temporary lookup failure" }
    : { code: 451, dsn: "4.3.5", text: "Server configuration problem" };
}

function reject(reply: RestrictionReply): Outcome {
  return { kind: "reject", reply };
}

/** A DNS failure: defer if everything else would permit (Postfix's DEFER_IF_PERMIT). */
function deferIfPermit(
  e: Evaluation,
  reply: RestrictionReply,
  warnOnly: boolean,
): Outcome {
  if (warnOnly) return reject(reply);
  e.deferIfPermit ??= reply;
  return DUNNO;
}

async function applyOne(
  e: Evaluation,
  restriction: Restriction,
  subject: ReplySubject,
  depth: number,
  warnOnly: boolean,
): Promise<Outcome> {
  const r = e.request;
  const { lookups } = e;
  const [arg] = restriction.args;
  const recipientSubject = r.recipient === null
    ? null
    : { what: r.recipient, class: "Recipient address" };
  const senderSubject = r.sender === null || r.sender === ""
    ? null
    : { what: r.sender, class: "Sender address" };
  const heloSubject = r.helo === null
    ? null
    : { what: r.helo, class: "Helo command" };
  switch (restriction.name) {
    case "permit":
      return OK;
    case "reject":
      return reject(subjectReply(554, "5.7.1", subject, "Access denied"));
    case "defer":
      return reject(subjectReply(450, "4.7.1", subject, "Access denied"));
    case "defer_if_permit":
      e.deferIfPermit ??= subjectReply(
        450,
        "4.7.1",
        subject,
        "defer_if_permit requested",
      );
      return DUNNO;
    case "defer_if_reject":
      e.deferIfReject ??= subjectReply(
        450,
        "4.7.1",
        subject,
        "defer_if_reject requested",
      );
      return DUNNO;
    case "permit_mynetworks":
      return (await lookups.inMynetworks()) ? OK : DUNNO;
    case "permit_sasl_authenticated":
      return r.authenticatedUser !== null ? OK : DUNNO;
    case "permit_pop_before_smtp":
      return r.popBeforeSmtp ? OK : DUNNO;
    case "permit_auth_destination":
      return r.recipient !== null &&
          (await lookups.authorizedDestination(r.recipient))
        ? OK
        : DUNNO;
    case "reject_unauth_destination":
    case "defer_unauth_destination": {
      if (r.recipient === null) return DUNNO;
      if (await lookups.authorizedDestination(r.recipient)) return DUNNO;
      const soft = restriction.name === "defer_unauth_destination";
      return reject({
        code: soft ? 450 : 554,
        dsn: soft ? "4.7.1" : "5.7.1",
        text: `<${r.recipient}>: Relay access denied`,
      });
    }
    case "reject_unauth_pipelining":
      return r.pipelined && (!r.ehlo || r.stage === "connect")
        ? reject(
          subjectReply(
            503,
            "5.5.0",
            subject,
            "Improper use of SMTP command pipelining",
          ),
        )
        : DUNNO;
    case "reject_invalid_helo_hostname":
      if (heloSubject === null || isAddressLiteral(r.helo!)) return DUNNO;
      return isValidHostname(r.helo!)
        ? DUNNO
        : reject(subjectReply(501, "5.5.2", heloSubject, "Invalid name"));
    case "reject_non_fqdn_helo_hostname":
      if (heloSubject === null || isAddressLiteral(r.helo!)) return DUNNO;
      return isFullyQualified(r.helo!) ? DUNNO : reject(
        subjectReply(
          504,
          "5.5.2",
          heloSubject,
          "need fully-qualified hostname",
        ),
      );
    case "reject_unknown_helo_hostname": {
      if (heloSubject === null || isAddressLiteral(r.helo!)) return DUNNO;
      const found = await domainExists(lookups, r.helo!);
      const reply = subjectReply(450, "4.7.1", heloSubject, "Host not found");
      if (found === "tempfail") return deferIfPermit(e, reply, warnOnly);
      return found ? DUNNO : reject(reply);
    }
    case "reject_non_fqdn_sender":
      if (senderSubject === null) return DUNNO;
      return isFullyQualified(domainOf(r.sender!)) ? DUNNO : reject(
        subjectReply(
          504,
          "5.5.2",
          senderSubject,
          "need fully-qualified address",
        ),
      );
    case "reject_non_fqdn_recipient":
      if (recipientSubject === null) return DUNNO;
      return isFullyQualified(domainOf(r.recipient!)) ? DUNNO : reject(
        subjectReply(
          504,
          "5.5.2",
          recipientSubject,
          "need fully-qualified address",
        ),
      );
    case "reject_unknown_sender_domain": {
      if (senderSubject === null) return DUNNO;
      const found = await domainExists(lookups, domainOf(r.sender!));
      const reply = subjectReply(
        450,
        "4.1.8",
        senderSubject,
        "Domain not found",
      );
      if (found === "tempfail") return deferIfPermit(e, reply, warnOnly);
      return found ? DUNNO : reject(reply);
    }
    case "reject_unknown_recipient_domain": {
      if (recipientSubject === null) return DUNNO;
      if (await lookups.authorizedDestination(r.recipient!)) return DUNNO;
      const found = await domainExists(lookups, domainOf(r.recipient!));
      const reply = subjectReply(
        450,
        "4.1.2",
        recipientSubject,
        "Domain not found",
      );
      if (found === "tempfail") return deferIfPermit(e, reply, warnOnly);
      return found ? DUNNO : reject(reply);
    }
    case "reject_sender_login_mismatch": {
      // Postfix: a listed sender needs its owner logged in; a logged-in
      // client may use only the senders it owns. The null sender passes.
      if (r.sender === null || r.sender === "") return DUNNO;
      const owners = await lookups.senderOwners(r.sender);
      const user = r.authenticatedUser;
      const owned = user !== null &&
        (owners ?? []).some((o) => o.toLowerCase() === user.toLowerCase());
      if (user === null ? owners === null : owned) return DUNNO;
      return reject({
        code: 553,
        dsn: "5.7.1",
        text: `<${r.sender}>: Sender address rejected: ${
          user === null ? "not logged in" : `not owned by user ${user}`
        }`,
      });
    }
    case "reject_unlisted_recipient": {
      if (r.recipient === null) return DUNNO;
      const refusal = await lookups.unlistedRecipient(r.recipient);
      return refusal === null ? DUNNO : reject(refusal);
    }
    case "reject_unknown_client_hostname":
    case "reject_unknown_reverse_client_hostname": {
      const reverse =
        restriction.name === "reject_unknown_reverse_client_hostname";
      const name = reverse ? r.reverseClientName : r.clientName;
      if (name !== "unknown") return DUNNO;
      return reject({
        code: 450,
        dsn: "4.7.25",
        text: `Client host rejected: cannot find your ${
          reverse ? "reverse " : ""
        }hostname, [${r.clientAddress}]`,
      });
    }
    case "reject_rbl_client":
    case "reject_rhsbl_client":
    case "reject_rhsbl_sender":
    case "reject_rhsbl_helo":
    case "reject_rhsbl_recipient": {
      const hit = await checkDnsList(restriction.name, arg, r, lookups);
      return hit === null ? DUNNO : reject(dnsListReply(hit));
    }
    case "check_client_access":
      return await tableCheck(
        e,
        arg,
        clientKeys(r.clientName, r.clientAddress, e.settings.parentMatches),
        clientSubject(r),
        depth,
      );
    case "check_reverse_client_hostname_access":
      return await tableCheck(
        e,
        arg,
        clientKeys(
          r.reverseClientName,
          r.clientAddress,
          e.settings.parentMatches,
        ),
        clientSubject(r),
        depth,
      );
    case "check_helo_access":
      if (heloSubject === null) return DUNNO;
      return await tableCheck(
        e,
        arg,
        domainKeys(r.helo!, e.settings.parentMatches),
        heloSubject,
        depth,
      );
    case "check_sender_access":
      if (r.sender === null) return DUNNO;
      return await tableCheck(
        e,
        arg,
        mailAddressKeys(r.sender, e.settings.parentMatches),
        { what: r.sender, class: "Sender address" },
        depth,
      );
    case "check_recipient_access":
      if (recipientSubject === null) return DUNNO;
      return await tableCheck(
        e,
        arg,
        mailAddressKeys(r.recipient!, e.settings.parentMatches),
        recipientSubject,
        depth,
      );
    case "check_policy_service": {
      const action = await lookups.policyService(arg, r);
      return await applyAction(
        e,
        accessAction(action, subject),
        subject,
        depth,
      );
    }
    case "check_greylist":
      if (recipientSubject === null) return DUNNO;
      return (await lookups.greylist(r)) === "pass" ? DUNNO : reject(
        subjectReply(
          450,
          "4.7.1",
          recipientSubject,
          "Greylisted, try again later",
        ),
      );
    case "reject_spf_fail":
      return await mailAuthOutcome(
        e,
        await spfRestriction(r, lookups, subject),
        subject,
        depth,
        warnOnly,
      );
    case "check_dmarc":
      return await mailAuthOutcome(
        e,
        await checkDmarc(r, lookups, subject),
        subject,
        depth,
        warnOnly,
      );
  }
  throw new Error(`restriction "${restriction.name}" has no evaluation`);
}

/** Applies what reject_spf_fail or check_dmarc decided. */
async function mailAuthOutcome(
  e: Evaluation,
  outcome: MailAuthOutcome,
  subject: ReplySubject,
  depth: number,
  warnOnly: boolean,
): Promise<Outcome> {
  switch (outcome.kind) {
    case "dunno":
      return DUNNO;
    case "reject":
      return reject(outcome.reply);
    case "defer_if_permit":
      return deferIfPermit(e, outcome.reply, warnOnly);
    case "action":
      // warn_if_reject: a dry run logs what quarantine would have done.
      if (warnOnly && outcome.action.kind === "disposition") {
        e.warnings.push({
          kind: "reject_warning",
          text:
            `DMARC quarantine would be applied: ${outcome.action.disposition.action}`,
        });
        return DUNNO;
      }
      return await applyAction(e, outcome.action, subject, depth);
  }
}

async function tableCheck(
  e: Evaluation,
  table: string,
  keys: readonly string[],
  subject: ReplySubject,
  depth: number,
): Promise<Outcome> {
  for (const key of keys) {
    const value = await e.lookups.table(table, key);
    if (value === undefined) continue;
    return await applyAction(e, accessAction(value, subject), subject, depth);
  }
  return DUNNO;
}

async function applyAction(
  e: Evaluation,
  action: AccessAction,
  subject: ReplySubject,
  depth: number,
): Promise<Outcome> {
  switch (action.kind) {
    case "ok":
      return OK;
    case "dunno":
      return DUNNO;
    case "reject":
      return reject(action.reply);
    case "defer_if_permit":
      e.deferIfPermit ??= action.reply;
      return DUNNO;
    case "defer_if_reject":
      e.deferIfReject ??= action.reply;
      return DUNNO;
    case "warn":
      e.warnings.push({ kind: "warn", text: action.text });
      return DUNNO;
    case "disposition":
      e.dispositions.push(action.disposition);
      return action.permits ? OK : DUNNO;
    case "list": {
      if (depth >= MAX_NESTING) {
        throw new Error("restriction lists nested too deeply");
      }
      const list = parseRestrictionList("access table action", action.words);
      return await applyList(e, list, subject, depth + 1);
    }
  }
}

function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at === -1 ? "" : address.slice(at + 1);
}

/**
 * Whether a domain has an A, AAAA or MX record: true, false (no such
 * records or NXDOMAIN), or "tempfail".
 */
async function domainExists(
  lookups: RestrictionLookups,
  domain: string,
): Promise<boolean | "tempfail"> {
  if (domain === "") return false;
  let failed = false;
  for (const type of ["MX", "A", "AAAA"] as const) {
    const answer = await lookups.dns(domain, type);
    if (answer.status === "found") return true;
    if (answer.status === "nxdomain") return false;
    if (answer.status === "tempfail") failed = true;
  }
  return failed ? "tempfail" : false;
}
