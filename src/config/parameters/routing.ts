/**
 * Parameter rows: where mail that is not delivered here goes.
 *
 * DESCRIPTION
 *   The address resolver's routing parameters, as Postfix's
 *   trivial-rewrite and queue manager read them: which domains this host
 *   relays to, the transports of relay and remote mail, the tables that
 *   override them, and the transports that wait for a flush. relayhost is
 *   the SMTP client's (`smtp_client.ts`).
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The routing parameters. */
export const ROUTING_PARAMETERS = [
  {
    name: "relay_domains",
    kind: "list",
    syntax: "domain-or-table",
    defaultValue: "",
    description: "Domains (and their subdomains) this host relays mail " +
      "to from any client: names, or tables of one domain per line.",
  },
  {
    name: "relay_recipient_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "The valid recipients of relay_domains (user@domain, " +
      "@domain for all); empty: every recipient is accepted.",
  },
  {
    name: "relay_transport",
    kind: "string",
    defaultValue: "relay",
    description: "The transport[:nexthop] of mail for relay_domains.",
  },
  {
    name: "default_transport",
    kind: "string",
    defaultValue: "smtp",
    description: "The transport[:nexthop] of mail for other remote " +
      "domains.",
  },
  {
    name: "transport_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Address or domain → transport:nexthop, overriding " +
      "every other choice (`.domain` for subdomains, `*` for any).",
  },
  {
    name: "sender_dependent_relayhost_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Sender address or @domain → the relayhost for that " +
      "sender's relay and remote mail (DUNNO: keep relayhost).",
  },
  // Also defined by the SMTP client's rows (smtp_client.ts): this copy
  // exists only until they are merged, and goes then.
  {
    name: "defer_transports",
    kind: "list",
    defaultValue: "",
    description: "Transports whose mail waits, without a delivery " +
      "attempt, until `mailsrv flush` (e.g. smtp on a dial-up link).",
  },
] as const satisfies readonly Parameter[];
