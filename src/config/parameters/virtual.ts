/**
 * Parameter rows: virtual mailbox domains and virtual aliases.
 *
 * DESCRIPTION
 *   The parameters Postfix's virtual(8) and virtual alias expansion read:
 *   which domains are virtual, where their mailboxes are, who owns them.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The virtual delivery agent's parameters. */
export const VIRTUAL_PARAMETERS = [
  {
    name: "virtual_mailbox_domains",
    kind: "list",
    syntax: "domain-or-table",
    defaultValue: "",
    description: "Virtual mailbox domains: names, or tables of one domain " +
      "per line.",
  },
  {
    name: "virtual_mailbox_base",
    kind: "path",
    defaultValue: "",
    description: "The directory virtual_mailbox_maps results are relative " +
      "to (e.g. /var/spool/virtual).",
  },
  {
    name: "virtual_mailbox_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "user@domain → domain/user (mbox) or domain/user/ " +
      "(Maildir), relative to virtual_mailbox_base; @domain catch-all.",
  },
  {
    name: "virtual_alias_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "Virtual aliases: address → target, target…; @domain " +
      "wildcards.",
  },
  {
    name: "virtual_uid_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "The uid that owns virtual mailboxes (e.g. static:200).",
  },
  {
    name: "virtual_gid_maps",
    kind: "list",
    syntax: "lookup-table",
    defaultValue: "",
    description: "The gid that owns virtual mailboxes (e.g. static:200).",
  },
  {
    name: "virtual_minimum_uid",
    kind: "integer",
    defaultValue: "100",
    description: "The smallest uid virtual_uid_maps may return.",
  },
  {
    name: "virtual_mailbox_limit",
    kind: "size",
    defaultValue: "51200000",
    minimum: 0,
    description: "The largest mbox file or Maildir message file virtual " +
      "delivery writes, in bytes (over it: bounced 5.2.2); 0: no limit.",
  },
  {
    name: "virtual_mailbox_lock",
    kind: "list",
    defaultValue: "fcntl, dotlock",
    description: "Locks taken for virtual mbox delivery: fcntl, flock, " +
      "dotlock.",
  },
] as const satisfies readonly Parameter[];
