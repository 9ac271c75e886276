/**
 * Parameter rows: SRS (Sender Rewriting Scheme) for forwarded mail.
 *
 * DESCRIPTION
 *   The domain forwarded mail's senders are rewritten into, the file of
 *   the secrets that sign them, and the sender domains left alone, as
 *   postsrsd's SRS_DOMAIN, SRS_SECRET and SRS_EXCLUDE_DOMAINS
 *   (`src/srs/`).
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** SRS for mail that aliases, lists and .forward send off the box. */
export const SRS_PARAMETERS = [
  {
    name: "srs_domain",
    kind: "string",
    defaultValue: "",
    description: "Rewrite the sender of forwarded mail that leaves the " +
      "box to SRS0=HASH=TT=domain=user@srs_domain, and accept bounces to " +
      "such addresses back to the original sender; a domain this server " +
      "receives mail for (its MX). Empty: no SRS.",
  },
  {
    name: "srs_secret_file",
    kind: "path",
    defaultValue: "",
    description: "The SRS secrets, one a line (postsrsd's format): the " +
      "first signs, all verify; readable by mailsrv only. Required with " +
      "srs_domain.",
  },
  {
    name: "srs_exclude_domains",
    kind: "list",
    defaultValue: "$mydestination",
    description: "Sender domains never rewritten (a leading dot: the " +
      "subdomains only, as postsrsd's SRS_EXCLUDE_DOMAINS).",
  },
] as const satisfies readonly Parameter[];
