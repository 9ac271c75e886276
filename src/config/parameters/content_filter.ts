/**
 * Parameter rows: after-queue content filters and XFORWARD.
 *
 * DESCRIPTION
 *   Postfix's FILTER_README setup: `content_filter` sends every message
 *   a listener receives to a filter transport after it is queued (the
 *   filter hands it back on a reinjection listener whose own
 *   `content_filter` is empty); `smtpd_authorized_xforward_hosts` lets
 *   that filter pass on the original client (XFORWARD_README).
 *
 *   `CONTENT_FILTER_SMTPD_PARAMETERS` are smtpd's and may be set per
 *   listener; `TRANSPORT_OPTION_PARAMETERS` are the SMTP/LMTP client's
 *   and are usually set per `[[transport]]` (master.cf `-o`).
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** smtpd's content filter parameters (listener-overridable). */
export const CONTENT_FILTER_SMTPD_PARAMETERS = [
  {
    name: "content_filter",
    kind: "string",
    defaultValue: "",
    description: "The transport:nexthop every message received goes to " +
      "after it is queued (an after-queue content filter, e.g. " +
      "scan:[127.0.0.1]:10025); empty: none. An access map's FILTER " +
      "action wins.",
  },
  {
    name: "smtpd_authorized_xforward_hosts",
    kind: "list",
    syntax: "network",
    defaultValue: "",
    description: "The clients (networks) offered XFORWARD, whose " +
      "forwarded client name, address, HELO and protocol go into " +
      "Received: and the log: the content filters.",
  },
] as const satisfies readonly Parameter[];

/** The SMTP/LMTP client's transport options. */
export const TRANSPORT_OPTION_PARAMETERS = [
  {
    name: "smtp_send_xforward_command",
    kind: "boolean",
    defaultValue: "no",
    description: "Send the original client's name, address, HELO and " +
      "protocol with XFORWARD when the server offers it (set it on a " +
      "content filter's [[transport]]).",
  },
  {
    name: "max_use",
    kind: "integer",
    defaultValue: "100",
    noEffect: "mailsrv has no delivery processes to recycle",
    description: "Postfix: requests a process serves before it exits.",
  },
] as const satisfies readonly Parameter[];
