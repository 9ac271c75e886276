/**
 * Parameter rows: receive_override_options, what a listener turns off
 * (Postfix's FILTER_README reinjection and pre-filter listeners).
 *
 * DESCRIPTION
 *   A list of words, usually set per listener:
 *
 *     no_unknown_recipient_checks   smtpd accepts recipients of local and
 *                                   virtual domains without asking whether
 *                                   they exist (the filter's reinjection:
 *                                   they were checked before the filter)
 *     no_address_mappings           no canonical or virtual alias mapping
 *                                   at receipt: always so in mailsrv, which
 *                                   maps addresses at delivery only, so
 *                                   mail is mapped once, after the filter
 *     no_header_body_checks         header_checks and body_checks are not
 *                                   applied (see their module)
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The words receive_override_options takes. */
export const RECEIVE_OVERRIDE_WORDS: readonly string[] = Object.freeze([
  "no_unknown_recipient_checks",
  "no_address_mappings",
  "no_header_body_checks",
  "no_milters",
]);

/** receive_override_options. */
export const RECEIVE_OVERRIDE_PARAMETERS = [
  {
    name: "receive_override_options",
    kind: "list",
    defaultValue: "",
    description: "What smtpd leaves out for mail it receives " +
      "(no_unknown_recipient_checks, no_address_mappings, " +
      "no_header_body_checks, no_milters); set on a content filter's " +
      "reinjection listener.",
  },
] as const satisfies readonly Parameter[];
