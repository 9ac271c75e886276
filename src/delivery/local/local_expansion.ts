/**
 * Alias, `.forward` and `:include:` expansion of a local recipient
 * (Postfix local(8): "ALIAS DATABASE", ".FORWARD FILE", "INCLUDE").
 *
 * DESCRIPTION
 *   Turns one recipient of a local domain into the things local delivery
 *   must do (`LocalTarget`s), in the order of Postfix's local/recipient.c:
 *
 *   1. the local part is lower-cased and its address extension split off
 *      (recipient_delimiter; kept for the mailbox and forward_path);
 *   2. alias_maps are searched for `user+ext`, then `user`. Each target of
 *      an alias is expanded in turn: bare names, and addresses the address
 *      resolver (src/resolve/) finds local, are expanded again as
 *      recipients; others (virtual, remote, a relay trick) are forwarded. When
 *      `owner-NAME` exists and owner_request_special is on, errors for the
 *      expansion go to `owner-NAME@domain` (with expand_owner_alias, to the
 *      one address owner-NAME expands to);
 *   3. with no alias, a passwd user's first existing forward_path file is
 *      expanded the same way. The user's own name (or `\user`) in it means
 *      the mailbox. A `.forward` not owned by its user (or root), or
 *      writable by everyone, is ignored with a warning;
 *   4. with neither, the user's mailbox. A name that is no passwd user has
 *      a mailbox only when local_recipient_maps is empty (or it is
 *      postmaster); otherwise `5.1.1 unknown user`.
 *
 *   `:include:/path` lists (one or more targets per line, `#` comments)
 *   may nest. Commands and files are checked against
 *   allow_mail_to_commands / allow_mail_to_files for where they were
 *   written and carry the privileges they run with (target_privileges.ts).
 *
 *   A name that comes back in its own expansion chain (a → b → a, or a
 *   `.forward` or include file reached twice) is a forwarding loop, and an
 *   expansion more than 100 levels deep is treated as one: both bounce
 *   5.4.6. A name that lists itself (`bob: bob, bob@elsewhere`) means
 *   that user, not a loop, as with sendmail. The same target reached twice
 *   is delivered once.
 *
 *   A member of a list that turns out to be no local user is forwarded
 *   (resubmitted) rather than failing the whole list, so it bounces on its
 *   own, to the list owner. A member refused for good (a restricted
 *   command or file, a bad target, an unsafe name) becomes a `refused`
 *   target: it bounces alone and every other target is delivered, as in
 *   Postfix, where each member is a delivery of its own. Loops fail the
 *   whole recipient (5.4.6), and so do temporary errors (an unreadable
 *   table, include or `.forward` file: deferred, so that the retry does
 *   not deliver the other members twice).
 *
 *   The `LocalExpansion.sender` is decided by the recipient's own alias;
 *   owners of nested lists are not told apart. Address extensions are not
 *   propagated into alias expansions (propagate_unmatched_extensions).
 *
 *   This module decides; it delivers nothing and runs nothing.
 */
import type { Config } from "../../config/types.ts";
import type { Maillog } from "../../log/maillog.ts";
import { maillog } from "../../log/maillog.ts";
import { LookupTableError } from "../../maps/lookup_table.ts";
import {
  type AliasTable,
  type AliasTableCache,
} from "../../maps/alias_table.ts";
import { parseTargetList } from "../../maps/aliases_file.ts";
import { type AliasTarget, classifyAliasTarget } from "./alias_target.ts";
import { expandForwardPath } from "./forward_path.ts";
import {
  isSafeLocalPart,
  localPartOf,
  splitExtension,
} from "../../resolve/local_part.ts";
import type {
  LocalExpansion,
  LocalTarget,
  Privileges,
  TargetSource,
} from "./local_types.ts";
import type { LocalUser } from "./local_users.ts";
import { type ReadOwnedFile, readOwnedFile } from "./owned_file.ts";
import {
  ownerPrivileges,
  type PrivilegeLookups,
  resolveDefaultPrivileges,
  userPrivileges,
} from "./target_privileges.ts";
import { DeliveryError } from "../types.ts";
import { resolveAddress } from "../../resolve/resolve_address.ts";
import type { ResolvedAddress } from "../../resolve/resolved_address.ts";
import {
  isSandboxDenial,
  sandboxDenialText,
} from "../../common/sandbox_denial.ts";

/** Expansions deeper than this are treated as loops. */
export const EXPANSION_DEPTH_LIMIT = 100;

/** The recipient to expand. */
export interface LocalExpansionRequest {
  /** The full recipient address. */
  readonly recipient: string;
  /** Its local part as received (case kept). */
  readonly localPart: string;
  /** Its domain, lower-cased (a local domain). */
  readonly domain: string;
  /** The envelope sender ("" for the null sender). */
  readonly sender: string;
}

/** The configuration expansion reads. */
export type LocalExpansionConfig = Pick<
  Config,
  | "mydestination"
  | "myorigin"
  | "recipient_delimiter"
  | "alias_maps"
  | "local_recipient_maps"
  | "allow_mail_to_commands"
  | "allow_mail_to_files"
  | "default_privs"
  | "forward_path"
  | "owner_request_special"
  | "expand_owner_alias"
>;

/** What expansion looks things up with. */
export interface LocalExpansionContext extends PrivilegeLookups {
  readonly config: LocalExpansionConfig;
  /** Alias tables, opened once and kept (by spec) across deliveries. */
  readonly aliasTables: AliasTableCache;
  /** Reads `.forward` and `:include:` files (default `readOwnedFile`). */
  readonly readFile?: ReadOwnedFile;
  /** default_privs resolved by the caller (default: looked up when needed). */
  readonly defaultPrivileges?: Privileges;
  /** Where ignored `.forward` files and bad list lines are reported. */
  readonly log?: Pick<Maillog, "warning">;
  /**
   * The address resolver, bound to the configuration (default: without
   * tables, so nothing is virtual; only "local or not" matters here).
   * @throws LookupTableError when a table cannot be read
   */
  readonly resolve?: (address: string) => Promise<ResolvedAddress>;
}

/** Where a target was written, and what it means there. */
interface Origin {
  readonly source: TargetSource;
  /** Privileges for commands and files written there (resolved lazily). */
  readonly privileges: () => Promise<Privileges>;
  /** The alias or user whose own name, written there, is not a loop. */
  readonly self: string;
  /** The address its commands and files are logged for (`to=`). */
  readonly recipient: string;
  /** For a `.forward`: its user, whose own name means the mailbox. */
  readonly forwardUser?: { readonly name: string; readonly extension: string };
}

/** One expansion in progress. */
interface Walk {
  readonly request: LocalExpansionRequest;
  readonly context: LocalExpansionContext;
  readonly readFile: ReadOwnedFile;
  readonly log: Pick<Maillog, "warning">;
  readonly defaults: () => Promise<Privileges>;
  readonly targets: LocalTarget[];
  readonly seen: Set<string>;
  /** Expansion steps from the recipient here: `alias:x`, `include:/p`, … */
  readonly chain: readonly string[];
}

function memoize<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => result ??= compute();
}

function reasonOf(error: unknown): string {
  if (isSandboxDenial(error)) return sandboxDenialText(error);
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

function loop(what: string): DeliveryError {
  return new DeliveryError(`mail forwarding loop for ${what}`, false, "5.4.6");
}

/** The walk one level deeper, through `step`; refuses loops and depth. */
function deeper(walk: Walk, step: string, what: string): Walk {
  if (walk.chain.includes(step)) throw loop(what);
  if (walk.chain.length >= EXPANSION_DEPTH_LIMIT) {
    throw new DeliveryError(
      `mail forwarding loop for ${what}: expansion deeper than ${EXPANSION_DEPTH_LIMIT} levels`,
      false,
      "5.4.6",
    );
  }
  return { ...walk, chain: [...walk.chain, step] };
}

function add(walk: Walk, target: LocalTarget, key: string): void {
  if (walk.seen.has(key)) return;
  walk.seen.add(key);
  walk.targets.push(target);
}

/** `name@domain` for an alias or user name, for messages and senders. */
function qualify(walk: Walk, name: string): string {
  return `${name}@${walk.request.domain || walk.context.config.myorigin}`;
}

/**
 * The address a local name stands for in log lines: the recipient itself
 * at the top of the expansion, else `name@domain`.
 */
function nameAddress(walk: Walk, name: string): string {
  return walk.chain.length === 0 ? walk.request.recipient : qualify(walk, name);
}

/** The first alias table entry for `name`, with the table it came from. */
async function findAlias(
  walk: Walk,
  name: string,
): Promise<{ values: string[]; table: AliasTable } | undefined> {
  for (const spec of walk.context.config.alias_maps) {
    let table: AliasTable;
    try {
      table = walk.context.aliasTables.open(spec);
    } catch (error) {
      throw new LookupTableError(spec, reasonOf(error));
    }
    const values = await table.lookup(name);
    if (values) return { values, table };
  }
  return undefined;
}

/** The sender for an expansion of alias `name`: its owner, if any. */
async function ownerSender(
  walk: Walk,
  name: string,
): Promise<string | undefined> {
  const config = walk.context.config;
  if (!config.owner_request_special || name.startsWith("owner-")) {
    return undefined;
  }
  const owner = await findAlias(walk, `owner-${name}`);
  if (!owner) return undefined;
  if (config.expand_owner_alias && owner.values.length === 1) {
    const target = classifyAliasTarget(owner.values[0]);
    if (target.kind === "address") {
      return target.address.includes("@")
        ? target.address
        : qualify(walk, target.address);
    }
  }
  return qualify(walk, `owner-${name}`);
}

/** True when the resolver sends `address` (qualified) to local delivery. */
async function isLocalAddress(walk: Walk, address: string): Promise<boolean> {
  const resolved = walk.context.resolve
    ? await walk.context.resolve(address)
    : resolveAddress(address, walk.context.config, {
      virtualMailboxDomain: false,
    });
  return resolved.addressClass === "local";
}

/** Refuses a command or file target where its source is not allowed. */
function checkAllowed(walk: Walk, kind: "command" | "file", origin: Origin) {
  const config = walk.context.config;
  const allowed = kind === "command"
    ? config.allow_mail_to_commands
    : config.allow_mail_to_files;
  if (!allowed.includes(origin.source)) {
    throw new DeliveryError(`mail to ${kind} is restricted`, false, "5.7.1");
  }
}

/** The address a refused member is logged and bounced as. */
function refusedRecipient(walk: Walk, raw: string, origin: Origin): string {
  const target = classifyAliasTarget(raw);
  if (target.kind === "address") {
    return target.address.includes("@")
      ? target.address
      : qualify(walk, target.address);
  }
  if (target.kind === "mailbox") return qualify(walk, target.user);
  return origin.recipient;
}

/**
 * Expands one member of an alias, list or `.forward`; one refused for
 * good becomes a `refused` target instead of failing the others.
 */
async function expandMember(
  walk: Walk,
  raw: string,
  origin: Origin,
): Promise<void> {
  try {
    await expandTarget(walk, raw, origin);
  } catch (error) {
    if (
      !(error instanceof DeliveryError) || error.temporary ||
      error.dsn === "5.4.6"
    ) throw error;
    const recipient = refusedRecipient(walk, raw, origin);
    add(
      walk,
      { kind: "refused", recipient, error },
      `refused:${recipient}:${raw}`,
    );
  }
}

/** Expands one raw target written at `origin`. */
async function expandTarget(
  walk: Walk,
  raw: string,
  origin: Origin,
): Promise<void> {
  const target: AliasTarget = classifyAliasTarget(raw);
  switch (target.kind) {
    case "invalid":
      throw new DeliveryError(
        `mail system configuration error: ${target.reason}`,
        false,
        "5.3.5",
      );
    case "command": {
      checkAllowed(walk, "command", origin);
      const privileges = await origin.privileges();
      add(walk, {
        kind: "command",
        command: target.command,
        source: origin.source,
        privileges,
        recipient: origin.recipient,
      }, `command:${privileges.uid}:${target.command}`);
      return;
    }
    case "file": {
      checkAllowed(walk, "file", origin);
      const privileges = await origin.privileges();
      add(walk, {
        kind: "file",
        path: target.path,
        source: origin.source,
        privileges,
        recipient: origin.recipient,
      }, `file:${target.path}`);
      return;
    }
    case "include":
      return await expandInclude(walk, target.path, origin);
    case "mailbox": {
      const own = origin.forwardUser?.name === target.user
        ? origin.forwardUser
        : undefined;
      return mailbox(walk, target.user, own?.extension ?? "");
    }
    case "address":
      return await expandAddress(walk, target.address, origin);
  }
}

function mailbox(walk: Walk, user: string, extension: string): void {
  add(
    walk,
    { kind: "mailbox", user, extension },
    `mailbox:${user}+${extension}`,
  );
}

/** An address target: forwarded when remote, expanded again when local. */
async function expandAddress(
  walk: Walk,
  address: string,
  origin: Origin,
): Promise<void> {
  // A bare name is a local name, as in aliases(5) and sendmail.
  const bare = !address.includes("@");
  if (!bare && !await isLocalAddress(walk, address)) {
    add(walk, { kind: "forward", address }, `forward:${address.toLowerCase()}`);
    return;
  }
  const name = localPartOf(address).toLowerCase();
  if (origin.forwardUser?.name === name) {
    return mailbox(walk, name, origin.forwardUser.extension);
  }
  if (name === origin.self) {
    const { user, extension } = splitExtension(
      name,
      walk.context.config.recipient_delimiter,
    );
    return await expandUser(walk, name, user, extension ?? "");
  }
  await expandName(walk, name);
}

/** Expands an `:include:` file listed at `origin`. */
async function expandInclude(
  walk: Walk,
  path: string,
  origin: Origin,
): Promise<void> {
  const inner = deeper(walk, `include:${path}`, `":include:${path}"`);
  let file;
  try {
    file = await walk.readFile(path);
  } catch (error) {
    throw new DeliveryError(
      `cannot read include file "${path}": ${reasonOf(error)}`,
      true,
      "4.3.0",
    );
  }
  if (!file) {
    throw new DeliveryError(
      `cannot read include file "${path}": no such file`,
      true,
      "4.3.0",
    );
  }
  const list = parseTargetList(file.text);
  for (const problem of list.problems) {
    walk.log.warning(`${path}:${problem.line}: ${problem.message}`);
  }
  const owner = { uid: file.uid, gid: file.gid };
  const included: Origin = {
    ...origin,
    source: "include",
    privileges: memoize(() =>
      ownerPrivileges(owner, walk.context, walk.defaults)
    ),
  };
  for (const raw of list.targets) await expandMember(inner, raw, included);
}

/** Expands a local name (`user` or `user+ext`): alias, .forward, mailbox. */
async function expandName(walk: Walk, localPart: string): Promise<void> {
  const delimiters = walk.context.config.recipient_delimiter;
  const { user, extension = "" } = splitExtension(localPart, delimiters);
  const keys = extension === "" ? [user] : [localPart, user];
  for (const key of keys) {
    const alias = await findAlias(walk, key);
    if (!alias) continue;
    const inner = deeper(walk, `alias:${key}`, `<${qualify(walk, key)}>`);
    const origin: Origin = {
      source: "alias",
      self: key,
      recipient: nameAddress(walk, key),
      privileges: memoize(async () =>
        ownerPrivileges(
          await alias.table.owner(),
          walk.context,
          walk.defaults,
        )
      ),
    };
    for (const raw of alias.values) await expandMember(inner, raw, origin);
    return;
  }
  await expandUser(walk, localPart, user, extension);
}

/** The forward_path files of `account`, expanded, without repeats. */
function forwardPaths(
  walk: Walk,
  account: LocalUser,
  localPart: string,
  extension: string,
): string[] {
  const safe = extension !== "" && isSafeLocalPart(extension);
  const delimiter = safe
    ? localPart[localPart.length - extension.length - 1]
    : "";
  const paths = walk.context.config.forward_path.map((template) =>
    expandForwardPath(template, {
      user: account.name,
      home: account.home,
      shell: account.shell,
      recipient: walk.request.recipient,
      local: localPart,
      domain: walk.request.domain,
      extension: safe ? extension : "",
      recipient_delimiter: delimiter,
    })
  );
  return [...new Set(paths)].filter((path) => path.startsWith("/"));
}

/** The targets of the user's first usable `.forward`, if any. */
async function readForward(
  walk: Walk,
  account: LocalUser,
  localPart: string,
  extension: string,
): Promise<string[] | undefined> {
  for (const path of forwardPaths(walk, account, localPart, extension)) {
    let file;
    try {
      file = await walk.readFile(path);
    } catch (error) {
      throw new DeliveryError(
        `cannot read forward file "${path}": ${reasonOf(error)}`,
        true,
        "4.3.0",
      );
    }
    if (!file) continue;
    if (file.uid !== account.uid && file.uid !== 0) {
      walk.log.warning(
        `ignoring forward file "${path}": owned by uid ${file.uid}, not by user "${account.name}"`,
      );
      continue;
    }
    if ((file.mode & 0o002) !== 0) {
      walk.log.warning(
        `ignoring forward file "${path}": writable by everyone`,
      );
      continue;
    }
    const list = parseTargetList(file.text);
    for (const problem of list.problems) {
      walk.log.warning(`${path}:${problem.line}: ${problem.message}`);
    }
    if (list.targets.length > 0) return list.targets;
  }
  return undefined;
}

/** A local name with no alias: its `.forward`, else its mailbox. */
async function expandUser(
  walk: Walk,
  localPart: string,
  user: string,
  extension: string,
): Promise<void> {
  if (!isSafeLocalPart(user)) {
    throw new DeliveryError(
      `unsafe local part "${user}" refused`,
      false,
      "5.1.3",
    );
  }
  const account = await walk.context.lookupUser(user);
  if (account) {
    const targets = await readForward(walk, account, localPart, extension);
    if (!targets) return mailbox(walk, user, extension);
    const inner = deeper(walk, `forward:${user}`, `<${qualify(walk, user)}>`);
    const origin: Origin = {
      source: "forward",
      self: user,
      recipient: nameAddress(walk, localPart),
      forwardUser: { name: user, extension },
      privileges: memoize(() => userPrivileges(account, walk.defaults)),
    };
    for (const raw of targets) await expandMember(inner, raw, origin);
    return;
  }
  const config = walk.context.config;
  if (config.local_recipient_maps.length === 0 || user === "postmaster") {
    return mailbox(walk, user, extension);
  }
  if (walk.chain.length === 0) {
    throw new DeliveryError(`unknown user: "${user}"`, false, "5.1.1");
  }
  // A list member: resubmitted, it bounces by itself, to the list owner.
  const address = qualify(walk, localPart);
  add(walk, { kind: "forward", address }, `forward:${address}`);
}

/**
 * Expands a local recipient into what local delivery must do.
 * @throws DeliveryError for every mail reason: permanent (5.1.1 unknown
 *   user, 5.1.3 unsafe name, 5.3.5 bad target, 5.4.6 loop, 5.7.1
 *   restricted command or file) or temporary (4.3.0 unreadable table,
 *   `.forward` or include file, bad default_privs)
 */
export async function expandLocalRecipient(
  request: LocalExpansionRequest,
  context: LocalExpansionContext,
): Promise<LocalExpansion> {
  const walk: Walk = {
    request,
    context,
    readFile: context.readFile ?? readOwnedFile,
    log: context.log ?? maillog("local"),
    defaults: memoize(() =>
      context.defaultPrivileges
        ? Promise.resolve(context.defaultPrivileges)
        : resolveDefaultPrivileges(context.config.default_privs, context)
    ),
    targets: [],
    seen: new Set(),
    chain: [],
  };
  const localPart = request.localPart.toLowerCase();
  try {
    const { user, extension } = splitExtension(
      localPart,
      context.config.recipient_delimiter,
    );
    // The alias expandName will use, if any, decides the owner.
    const alias = extension && await findAlias(walk, localPart)
      ? localPart
      : await findAlias(walk, user)
      ? user
      : undefined;
    const sender = alias ? await ownerSender(walk, alias) : undefined;
    await expandName(walk, localPart);
    return { targets: walk.targets, sender };
  } catch (error) {
    if (error instanceof LookupTableError) {
      throw new DeliveryError(error.message, true, "4.3.0");
    }
    throw error;
  }
}
