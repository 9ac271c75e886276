/**
 * reject_spf_fail and check_dmarc: restrictions on SPF and DMARC results.
 *
 * DESCRIPTION
 *   `spfRestriction` is Postfix's policyd-spf in its usual setup: an SPF
 *   `fail` for the MAIL FROM identity (the HELO identity for the null
 *   sender) is refused with policyd-spf's reply,
 *
 *     550 5.7.23 <rcpt>: Recipient address rejected: Message rejected
 *     due to: SPF fail - not authorized. Please see
 *     http://www.openspf.net/Why?s=mfrom;id=<sender>;ip=<client>;r=<UNKNOWN>
 *
 *   `softfail`, `neutral`, `none` and `permerror` pass (policyd-spf's
 *   defaults). `checkDmarc` (end of data) refuses a DMARC `fail` whose
 *   policy is `p=reject` with `550 5.7.1 rejected by DMARC policy for
 *   <domain>` (opendmarc's text) and hands a `p=quarantine` failure to
 *   the configured access(5) action (HOLD, PREPEND …).
 *
 *   A `temperror` (DNS failure) is never a reject: with the action
 *   `defer` it is a `451 4.4.3` given only if everything else permits
 *   (Postfix's DEFER_IF_PERMIT, as for its own DNS checks); with
 *   `permit` it passes.
 *
 *   Mail from trusted clients (mynetworks, SASL-authenticated) is never
 *   refused by these checks: it is ours (opendmarc's
 *   IgnoreAuthenticatedClients, policyd-spf's permit_mynetworks before it).
 *
 *   Used by the evaluator (evaluate.ts), which hands over the lookups.
 *   Pure apart from them.
 */
import {
  type AccessAction,
  accessAction,
  type ReplySubject,
  subjectReply,
} from "./access_result.ts";
import type {
  RestrictionLookups,
  RestrictionReply,
  RestrictionRequest,
} from "./types.ts";

/** What a check asks of the evaluator. */
export type MailAuthOutcome =
  | { readonly kind: "dunno" }
  | { readonly kind: "reject"; readonly reply: RestrictionReply }
  | { readonly kind: "defer_if_permit"; readonly reply: RestrictionReply }
  | { readonly kind: "action"; readonly action: AccessAction };

const DUNNO: MailAuthOutcome = { kind: "dunno" };

/** Whether the client is ours: its mail is never refused by these checks. */
async function trusted(
  r: RestrictionRequest,
  lookups: RestrictionLookups,
): Promise<boolean> {
  return r.authenticatedUser !== null || await lookups.inMynetworks();
}

/** reject_spf_fail. */
export async function spfRestriction(
  r: RestrictionRequest,
  lookups: RestrictionLookups,
  subject: ReplySubject,
): Promise<MailAuthOutcome> {
  if (r.sender === null || await trusted(r, lookups)) return DUNNO;
  const spf = await lookups.spf(r);
  if (spf === null) return DUNNO;
  if (spf.result === "fail") {
    return {
      kind: "reject",
      reply: subjectReply(
        550,
        "5.7.23",
        subject,
        "Message rejected due to: SPF fail - not authorized. Please see " +
          `http://www.openspf.net/Why?s=${
            spf.scope === "mailfrom" ? "mfrom" : "helo"
          };id=${spf.identity};` +
          `ip=${r.clientAddress};r=<UNKNOWN>`,
      ),
    };
  }
  if (spf.result === "temperror" && spf.temperror === "defer") {
    return {
      kind: "defer_if_permit",
      reply: subjectReply(
        451,
        "4.4.3",
        subject,
        `Temporary SPF error for ${spf.identity}, try again later`,
      ),
    };
  }
  return DUNNO;
}

/** check_dmarc. */
export async function checkDmarc(
  r: RestrictionRequest,
  lookups: RestrictionLookups,
  subject: ReplySubject,
): Promise<MailAuthOutcome> {
  if (r.stage !== "end-of-data" || await trusted(r, lookups)) return DUNNO;
  const dmarc = await lookups.dmarc();
  if (dmarc === null) return DUNNO;
  if (dmarc.result === "fail" && dmarc.policy === "reject") {
    return {
      kind: "reject",
      reply: {
        code: 550,
        dsn: "5.7.1",
        text: `rejected by DMARC policy for ${dmarc.domain}`,
      },
    };
  }
  if (dmarc.result === "fail" && dmarc.policy === "quarantine") {
    return {
      kind: "action",
      action: accessAction(dmarc.quarantineAction, subject),
    };
  }
  if (dmarc.result === "temperror" && dmarc.temperror === "defer") {
    return {
      kind: "defer_if_permit",
      reply: {
        code: 451,
        dsn: "4.4.3",
        text: `Temporary DMARC error for ${
          dmarc.domain || "the author domain"
        }, try again later`,
      },
    };
  }
  return DUNNO;
}
