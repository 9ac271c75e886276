/**
 * Parameter rows: checking incoming mail with SPF, DKIM and DMARC.
 *
 * DESCRIPTION
 *   Whether smtpd stamps received mail with an Authentication-Results
 *   header, whom it stamps, and how `reject_spf_fail` and `check_dmarc`
 *   treat DNS failures and DMARC quarantine. The restrictions themselves
 *   are named in the restriction lists (`smtpd_policy.ts`).
 *
 *   Part of the parameter table (`../parameters.ts`); a listener may
 *   override them. Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** SPF, DKIM and DMARC on receipt. */
export const SMTPD_MAIL_AUTH_PARAMETERS = [
  {
    name: "smtpd_authentication_results",
    kind: "boolean",
    defaultValue: "no",
    description: "Verify SPF, DKIM and DMARC of received mail and add an " +
      "Authentication-Results header (authserv-id $myhostname), after " +
      "removing received ones that claim that id.",
  },
  {
    name: "smtpd_authentication_results_trusted_clients",
    kind: "boolean",
    defaultValue: "no",
    description: "Also verify and stamp mail from mynetworks and " +
      "SASL-authenticated clients (never refused by reject_spf_fail or " +
      "check_dmarc either way).",
  },
  {
    name: "smtpd_authentication_temperror_action",
    kind: "enum",
    values: ["defer", "permit"],
    defaultValue: "defer",
    description: "What reject_spf_fail and check_dmarc do when a DNS " +
      "failure leaves SPF or DMARC undecided (temperror): defer (451 " +
      "4.4.3, if nothing else refuses) or permit.",
  },
  {
    name: "smtpd_dmarc_quarantine_action",
    kind: "string",
    defaultValue: "HOLD",
    description: "The access(5) action check_dmarc takes for a DMARC " +
      'failure under p=quarantine: HOLD, or e.g. "PREPEND X-Spam-Flag: ' +
      'YES" for a mail filter to file it, or DUNNO.',
  },
] as const satisfies readonly Parameter[];
