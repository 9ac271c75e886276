/**
 * SRS (Sender Rewriting Scheme) for forwarded mail, as postsrsd does it:
 * the address format (`srs_address.ts`), the secret file
 * (`srs_secrets.ts`) and what the configuration rewrites and accepts
 * (`srs_settings.ts`).
 *
 * Used by smtpd (bounces to SRS addresses, at RCPT), the queue's
 * resubmission (senders of forwarded mail), the start-up checks and
 * `mailsrv check`.
 */
export {
  hasSrsTag,
  SRS_HASH_LENGTH,
  SRS_MAX_AGE_DAYS,
  type SrsFailure,
  srsForward,
  srsHash,
  type SrsReversal,
  srsReverse,
  srsTimestamp,
} from "./srs_address.ts";
export {
  parseSrsSecrets,
  readSrsSecrets,
  SrsSecretError,
} from "./srs_secrets.ts";
export {
  forwardedSender,
  isExcludedDomain,
  isSrsRecipient,
  type SrsConfig,
  srsProblems,
  srsRecipient,
  srsSecrets,
} from "./srs_settings.ts";
