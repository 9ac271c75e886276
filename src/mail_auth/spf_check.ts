/**
 * SPF (RFC 7208) for one SMTP client, through mailauth.
 *
 * DESCRIPTION
 *   `checkSpf` evaluates check_host() for the MAIL FROM identity (the
 *   HELO identity for the null sender, RFC 7208 section 2.4) with
 *   mailauth's `spf` in strict mode: the record is checked whole before
 *   evaluation, at most 10 DNS-querying terms and 2 void lookups
 *   (section 4.6.4; beyond either, permerror), void lookups counted as
 *   the RFC counts them. DNS answers come from mailsrv's resolver
 *   (`dns_adapter.ts`), so a SERVFAIL or timeout is `temperror`, never
 *   `none`. The whole evaluation is bounded by `SPF_TIME_LIMIT` (then
 *   temperror).
 *
 *   Used by smtpd before DATA: the result is known from the client
 *   address, HELO and MAIL FROM alone, for `reject_spf_fail` and for the
 *   Authentication-Results header. Network I/O through the resolver only.
 */
import type { MailauthResolver } from "./dns_adapter.ts";

/** The results of RFC 7208 section 2.6. */
export type SpfResult =
  | "pass"
  | "fail"
  | "softfail"
  | "neutral"
  | "none"
  | "permerror"
  | "temperror";

/** What SPF said about one client and sender. */
export interface SpfOutcome {
  readonly result: SpfResult;
  /** The domain whose policy was checked. */
  readonly domain: string;
  /** The identity checked: `mailfrom` or `helo` (null sender). */
  readonly scope: "mailfrom" | "helo";
  /** The address checked (`postmaster@helo` for the null sender). */
  readonly identity: string;
  /** The Authentication-Results method entry (`spf=pass (…) smtp.mailfrom=…`). */
  readonly entry: string;
}

/** The SMTP facts SPF works from. */
export interface SpfQuery {
  readonly clientAddress: string;
  /** HELO/EHLO argument, or null. */
  readonly helo: string | null;
  /** MAIL FROM address; "" for the null sender. */
  readonly sender: string;
  /** The receiving host (`$myhostname`), named in comments. */
  readonly myhostname: string;
  readonly resolver: MailauthResolver;
}

/** A whole SPF evaluation takes at most this long (RFC 7208 section 4.6.4: at least 20 s). */
export const SPF_TIME_LIMIT = 20_000;

const RESULTS = new Set<SpfResult>([
  "pass",
  "fail",
  "softfail",
  "neutral",
  "none",
  "permerror",
  "temperror",
]);

/** Evaluates SPF; never rejects (a failure is `temperror`). */
export async function checkSpf(query: SpfQuery): Promise<SpfOutcome> {
  const helo = query.helo ?? "";
  const scope = query.sender === "" ? "helo" : "mailfrom";
  const identity = query.sender === "" ? `postmaster@${helo}` : query.sender;
  try {
    // Loaded at the first check (message_verifier.ts says why).
    const { spf } = await import("mailauth/lib/spf/index.js");
    const answer = await spf({
      sender: query.sender,
      ip: query.clientAddress,
      helo: /^\d+\.\d+\.\d+\.\d+$|:/.test(helo) ? `[${helo}]` : helo,
      mta: query.myhostname,
      resolver: query.resolver,
      strict: true,
      maxElapsedTime: SPF_TIME_LIMIT,
    }) as { domain: string; status: { result: string }; info: string };
    const result = RESULTS.has(answer.status.result as SpfResult)
      ? answer.status.result as SpfResult
      : "temperror";
    return {
      result,
      domain: answer.domain,
      scope,
      identity,
      entry: answer.info,
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      result: "temperror",
      domain: identity.slice(identity.lastIndexOf("@") + 1),
      scope,
      identity,
      entry: `spf=temperror (${
        reason.replace(/[()\\]/g, " ")
      }) smtp.${scope}=${identity}`,
    };
  }
}
