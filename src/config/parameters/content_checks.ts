/**
 * Parameter rows: content inspection while a message is received
 * (Postfix's cleanup: header_checks, body_checks and their limits), and
 * receive_override_options.
 *
 * DESCRIPTION
 *   Postfix reads these in cleanup(8); mailsrv's smtpd does cleanup's
 *   work, so they are smtpd parameters and a `[[listener]]` may override
 *   them (master.cf `-o`), e.g. `receive_override_options =
 *   "no_header_body_checks"` on a reinjection listener.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The words receive_override_options may hold (Postfix's names). */
export const RECEIVE_OVERRIDE_OPTIONS: readonly string[] = Object.freeze([
  "no_unknown_recipient_checks",
  "no_address_mappings",
  "no_header_body_checks",
  "no_milters",
]);

/** The content checks' parameters. */
export const CONTENT_CHECK_PARAMETERS = [
  {
    name: "header_checks",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Tables (regexp:, pcre:) matched against each logical " +
      "header of the message (folded lines joined with their newlines); " +
      "the value is an action: REJECT, WARN, HOLD, DISCARD, IGNORE, " +
      "PREPEND, REPLACE, REDIRECT, FILTER, BCC, DUNNO.",
  },
  {
    name: "mime_header_checks",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "$header_checks",
    description: "Tables for MIME headers (Content-*, MIME-Version) of " +
      "the message and of its MIME parts.",
  },
  {
    name: "nested_header_checks",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "$header_checks",
    description: "Tables for the headers of attached messages " +
      "(message/rfc822), except their MIME headers.",
  },
  {
    name: "body_checks",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Tables matched against each line of the body, MIME " +
      "boundaries included (without the line end).",
  },
  {
    name: "header_size_limit",
    kind: "size",
    defaultValue: "102400",
    description: "The most bytes of one logical header kept and " +
      "inspected; the excess is discarded.",
  },
  {
    name: "body_checks_size_limit",
    kind: "size",
    defaultValue: "51200",
    description: "How much of each body part (MIME segment) body_checks " +
      "inspect, in bytes.",
  },
  {
    name: "receive_override_options",
    kind: "list",
    syntax: "receive-override",
    defaultValue: "",
    description: "What not to do for mail received here: " +
      "no_header_body_checks, no_unknown_recipient_checks, " +
      "no_address_mappings, no_milters (for a content filter's " +
      "reinjection listener).",
  },
] as const satisfies readonly Parameter[];
