/**
 * Virtual mailbox domains: which domains, whose mailbox, which owner.
 *
 * DESCRIPTION
 *   The lookups behind Postfix's virtual(8) delivery agent, shared by the
 *   agent, smtpd's recipient check, the POP3 authenticator and the
 *   address resolver (virtual_mailbox_domains), so all agree on who a
 *   virtual user is and where the mail lives:
 *
 *   virtual_mailbox_domains
 *     Items are domain names, `/file/name` lists, or `type:name` tables,
 *     read as `domain_list.ts` says (`example.com` alone or
 *     `example.com  virtual`, as the vm-pop3d recipe writes it). Domains
 *     match case-insensitively; a parent domain does not list its
 *     subdomains.
 *
 *   virtual_mailbox_maps
 *     `user@domain` (then `user@domain` without its address extension,
 *     then the catch-all `@domain`) → `domain/user` for an mbox file or
 *     `domain/user/` for a Maildir, relative to virtual_mailbox_base.
 *
 *   virtual_uid_maps, virtual_gid_maps
 *     The same keys → a numeric uid or gid (`static:200`). A uid below
 *     virtual_minimum_uid is a configuration error, as in Postfix.
 *
 * SECURITY
 *   A mailbox path names a file mailsrv (maybe root) writes to, whatever
 *   the tables say: the local part and domain must be safe as file names,
 *   and a table value that is absolute, holds `.` or `..` segments or
 *   control characters, or resolves outside virtual_mailbox_base is
 *   refused (RFC 3463 X.1.3) rather than followed.
 *
 *   This module does not expand virtual aliases
 *   (`delivery/virtual/virtual_aliases.ts`) or write mailboxes
 *   (`delivery/virtual/virtual.ts`).
 */
import { isAbsolute, resolve, sep } from "node:path";
import type { Config } from "../config/types.ts";
import {
  createMapCache,
  type LookupTable,
  type MapCache,
  type MapOptions,
} from "../maps/mod.ts";
import { createDomainLists, type DomainLists } from "./domain_list.ts";
import {
  domainOf,
  isSafeLocalPart,
  localPartOf,
  splitExtension,
} from "./local_part.ts";

/** Where a virtual user's mail lives (delivery writes it, POP3 reads it). */
export interface MailboxPath {
  readonly format: "maildir" | "mbox";
  /** Absolute path (a Maildir directory, or an mbox file). */
  readonly path: string;
}

/** The uid and gid a virtual mailbox's files belong to. */
export interface MailboxOwner {
  readonly uid: number;
  readonly gid: number;
}

/** Where a virtual recipient's mail goes, or why it goes nowhere. */
export type VirtualMailboxLookup =
  | { readonly kind: "found"; readonly mailbox: MailboxPath }
  /** No mailbox table has the address or its domain's catch-all. */
  | { readonly kind: "unknown" }
  /** The name or the table's answer could escape the mailbox base. */
  | { readonly kind: "unsafe"; readonly reason: string };

/**
 * The virtual tables are wrong (no uid, a uid below the minimum, no
 * mailbox base): the mail system's fault, so mail waits (4.3.5).
 */
export class VirtualConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VirtualConfigError";
  }
}

/** The virtual lookups, with the tables they keep open. */
export interface VirtualMaps {
  /** The lookup tables (shared with alias expansion). */
  readonly tables: MapCache;
  /** The domain lists over those tables (shared with the resolver). */
  readonly domainLists: DomainLists;
  /**
   * True when `domain` is in virtual_mailbox_domains.
   * @throws LookupTableError when a domain table cannot be read
   */
  isVirtualDomain(domain: string, config: Config): Promise<boolean>;
  /**
   * The mailbox of `address` (a virtual recipient) per virtual_mailbox_maps.
   * @throws VirtualConfigError when virtual_mailbox_base is unusable
   * @throws LookupTableError when a table cannot be read
   */
  findMailbox(address: string, config: Config): Promise<VirtualMailboxLookup>;
  /**
   * The owner of `address`'s mailbox per virtual_uid_maps/virtual_gid_maps.
   * @throws VirtualConfigError when a map has no number, or the uid is too low
   */
  findOwner(address: string, config: Config): Promise<MailboxOwner>;
}

/** Options for `createVirtualMaps`. */
export interface VirtualMapsOptions {
  /** Tables to share (the router's); a new cache when absent. */
  readonly tables?: MapCache;
  /** Options for tables and domain lists opened here. */
  readonly mapOptions?: MapOptions;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROLS = new RegExp(CONTROL.source, "g");
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * True when `domain` is a sequence of DNS labels (letters, digits, `-`,
 * `_`), so it is safe as a directory name.
 */
export function isSafeDomainName(domain: string): boolean {
  if (domain === "" || domain.length > 253) return false;
  return domain.split(".").every((label) => LABEL.test(label));
}

/** Lookup keys of a virtual address, most specific first. */
export function virtualLookupKeys(
  address: string,
  recipientDelimiter: string,
): readonly string[] {
  const local = localPartOf(address).toLowerCase();
  const domain = domainOf(address);
  const keys = [`${local}@${domain}`];
  const { user, extension } = splitExtension(local, recipientDelimiter);
  if (extension !== undefined) keys.push(`${user}@${domain}`);
  keys.push(`@${domain}`);
  return keys;
}

/** The first value any of `tables` has for any of `keys` (keys first). */
async function firstValue(
  tables: readonly LookupTable[],
  keys: readonly string[],
): Promise<string | undefined> {
  for (const key of keys) {
    for (const table of tables) {
      const value = await table.lookup(key);
      if (value !== undefined) return value.trim();
    }
  }
  return undefined;
}

/**
 * Resolves a virtual_mailbox_maps value under `base`.
 * @returns the mailbox, or the reason the value is refused
 */
export function resolveMailboxValue(
  value: string,
  base: string,
): VirtualMailboxLookup {
  const refuse = (why: string): VirtualMailboxLookup => ({
    kind: "unsafe",
    reason: `mailbox "${value.replace(CONTROLS, "?")}" ${why}`,
  });
  if (value === "" || value === "/") return refuse("is empty");
  if (CONTROL.test(value)) return refuse("holds control characters");
  if (isAbsolute(value)) return refuse("is not relative to the base");
  const maildir = value.endsWith("/");
  const segments = (maildir ? value.slice(0, -1) : value).split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return refuse("has empty, . or .. segments");
  }
  const path = resolve(base, segments.join("/"));
  if (!path.startsWith(base.endsWith(sep) ? base : base + sep)) {
    return refuse("is outside virtual_mailbox_base");
  }
  return {
    kind: "found",
    mailbox: { format: maildir ? "maildir" : "mbox", path },
  };
}

/** A uid or gid from a map value. */
function idOf(value: string | undefined, map: string, address: string): number {
  if (value === undefined || !/^\d{1,10}$/.test(value)) {
    throw new VirtualConfigError(
      `mail system configuration error: ${map} has no number for "${address}"` +
        (value === undefined ? "" : ` (found "${value}")`),
    );
  }
  return Number(value);
}

/** Creates the virtual lookups; they live as long as their owner. */
export function createVirtualMaps(
  options: VirtualMapsOptions = {},
): VirtualMaps {
  const tables = options.tables ?? createMapCache(options.mapOptions);
  const domainLists = createDomainLists(tables, {
    clock: options.mapOptions?.clock,
  });
  const open = (specs: readonly string[]) => specs.map((s) => tables.open(s));

  return {
    tables,
    domainLists,
    isVirtualDomain(domain, config) {
      return domainLists.matches(config.virtual_mailbox_domains, domain);
    },
    async findMailbox(address, config) {
      const local = localPartOf(address);
      const domain = domainOf(address);
      if (!isSafeLocalPart(local) || !isSafeDomainName(domain)) {
        return {
          kind: "unsafe",
          reason: `unsafe address "${address.replace(CONTROLS, "?")}"`,
        };
      }
      const base = config.virtual_mailbox_base;
      if (!isAbsolute(base)) {
        throw new VirtualConfigError(
          `mail system configuration error: virtual_mailbox_base "${base}" is not an absolute path`,
        );
      }
      const value = await firstValue(
        open(config.virtual_mailbox_maps),
        virtualLookupKeys(address, config.recipient_delimiter),
      );
      if (value === undefined) return { kind: "unknown" };
      return resolveMailboxValue(value, resolve(base));
    },
    async findOwner(address, config) {
      const keys = virtualLookupKeys(address, config.recipient_delimiter);
      const uid = idOf(
        await firstValue(open(config.virtual_uid_maps), keys),
        "virtual_uid_maps",
        address,
      );
      if (uid < config.virtual_minimum_uid) {
        throw new VirtualConfigError(
          `mail system configuration error: uid ${uid} for "${address}" is below virtual_minimum_uid ${config.virtual_minimum_uid}`,
        );
      }
      const gid = idOf(
        await firstValue(open(config.virtual_gid_maps), keys),
        "virtual_gid_maps",
        address,
      );
      return { uid, gid };
    },
  };
}

/**
 * True when `domain` is a virtual mailbox domain (smtpd: not a relay
 * destination). Pass the caller's `VirtualMaps` so tables stay open.
 */
export function isVirtualDomain(
  domain: string,
  config: Config,
  maps: VirtualMaps = createVirtualMaps(),
): Promise<boolean> {
  return maps.isVirtualDomain(domain, config);
}
