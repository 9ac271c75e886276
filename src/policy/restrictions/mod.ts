/**
 * smtpd restriction lists: parse, check at start, evaluate.
 *
 * DESCRIPTION
 *   The public face of src/policy/restrictions. See `evaluate.ts` for
 *   when lists run and how they decide, `restriction_list.ts` for the
 *   known restrictions, `access_keys.ts` and `access_result.ts` for
 *   access(5) tables, `dns_lists.ts` for RBLs.
 */
export * from "./types.ts";
export {
  openRelayProblem,
  parseRestrictionList,
  type Restriction,
  RESTRICTION_ARITY,
  RestrictionListError,
} from "./restriction_list.ts";
export {
  evaluateRestrictions,
  listsForStage,
  replyText,
  type RestrictionSettings,
  stageHasRestrictions,
} from "./evaluate.ts";
export { clientKeys, domainKeys, mailAddressKeys } from "./access_keys.ts";
export { reversedAddressName } from "./dns_lists.ts";
