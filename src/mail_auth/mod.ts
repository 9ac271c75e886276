/**
 * Mail authentication on receipt: SPF, DKIM, DMARC, ARC, and the
 * Authentication-Results header (RFC 7208, 6376, 7489/9989, 8617, 8601).
 *
 * DESCRIPTION
 *   The public face of src/mail_auth, a shared leaf below the roles:
 *   `checkSpf` (before DATA), `startMessageVerification` (DKIM, DMARC,
 *   ARC while the content streams), `authenticationResultsHeader` and
 *   `ForgedResultsFilter`, and `mailauthResolver`, which hands mailauth
 *   mailsrv's own DNS resolver. All of it goes through npm `mailauth`;
 *   nothing here decides what to do with a result (smtpd's restrictions
 *   do).
 */
export { type MailauthResolver, mailauthResolver } from "./dns_adapter.ts";
export {
  checkSpf,
  SPF_TIME_LIMIT,
  type SpfOutcome,
  type SpfQuery,
  type SpfResult,
} from "./spf_check.ts";
export {
  type ContentOutcome,
  type DmarcOutcome,
  type DmarcPolicy,
  type MessageVerifier,
  startMessageVerification,
} from "./message_verifier.ts";
export {
  AUTHENTICATION_RESULTS,
  authenticationResultsHeader,
  claimsAuthservId,
} from "./authentication_results.ts";
export { ForgedResultsFilter } from "./forged_results_filter.ts";
