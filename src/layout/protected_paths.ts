/**
 * The files mailsrv reads as configuration or credentials, and whether a
 * mailbox path collides with one.
 *
 * DESCRIPTION
 *   A mailbox is written by whoever sends mail to it and emptied by
 *   whoever logs in to it, so it must never be a file mailsrv trusts.
 *   `protectedFiles(config)` names them from the configuration:
 *
 *     the configuration file
 *     queue_directory (every file in it: queue files, control socket,
 *       pid file, pop-before-smtp database)
 *     every table file of virtual_mailbox_domains, virtual_mailbox_maps,
 *       virtual_alias_maps, virtual_uid_maps, virtual_gid_maps,
 *       alias_maps, local_recipient_maps, relay_domains,
 *       relay_recipient_maps, transport_maps and
 *       sender_dependent_relayhost_maps (`hash:/path`, `texthash:/path`,
 *       `/path` domain lists)
 *     pop3_tls_cert_file, pop3_tls_key_file, maillog_file
 *
 *   and the POP3 password files, `<pop3_passwd_directory>/<domain>/passwd`
 *   for every domain, named by the layout rather than listed (a domain
 *   may be added at any moment).
 *
 *   `mailboxCollision(mailbox, layout)` compares one mailbox path with all
 *   of them. A mailbox collides when it IS a protected file, CONTAINS one
 *   (a Maildir's tmp/new/cur and the POP3 lock are inside it), or SITS
 *   INSIDE one; for an mbox, also when its lock file `<mbox>.lock` or the
 *   POP3 server's temporary copy `<mbox>.mailsrv-tmp` would be one.
 *   A mailbox that is pop3_passwd_directory, or a Maildir that is one of
 *   its domain directories, holds password files.
 *
 *   Paths must be absolute and already resolved (`real_path.ts`); this
 *   module compares names only. Pure except `resolveProtectedLayout`,
 *   which resolves every protected path and lists the password files
 *   that exist (so a password file that is itself a link is known by its
 *   target too).
 *
 *   Used through `mailbox_guard.ts` by `mailsrv user`/`domain`, smtpd's
 *   recipient check, the delivery agents and the POP3 login.
 */
import { join, relative, resolve, sep } from "node:path";
import type { Config } from "../config/types.ts";
import { realPathOf } from "./real_path.ts";
import { PASSWD_FILE_NAME } from "./reserved_names.ts";

/** One file (or directory tree) mailboxes must keep away from. */
export interface ProtectedFile {
  /** Absolute path. */
  readonly path: string;
  /** What it is, for messages (`the virtual_mailbox_maps table`). */
  readonly what: string;
  /** For a POP3 password file: its domain. */
  readonly domain?: string;
}

/** Everything mailbox paths are checked against. */
export interface ProtectedLayout {
  readonly files: readonly ProtectedFile[];
  /** pop3_passwd_directory, absolute (resolved in a resolved layout). */
  readonly passwdDirectory: string;
}

/** A mailbox path to check: an mbox file or a Maildir directory. */
export interface MailboxSpot {
  readonly format: "maildir" | "mbox";
  /** Absolute path (a trailing `/` is ignored). */
  readonly path: string;
}

/** The configuration the protected files come from. */
export type ProtectedPolicy = Pick<
  Config,
  | "configFile"
  | "queue_directory"
  | "virtual_mailbox_domains"
  | "virtual_mailbox_maps"
  | "virtual_alias_maps"
  | "virtual_uid_maps"
  | "virtual_gid_maps"
  | "alias_maps"
  | "local_recipient_maps"
  | "relay_domains"
  | "relay_recipient_maps"
  | "transport_maps"
  | "sender_dependent_relayhost_maps"
  | "pop3_passwd_directory"
  | "pop3_tls_cert_file"
  | "pop3_tls_key_file"
  | "maillog_file"
>;

const TABLE_PARAMETERS = [
  "virtual_mailbox_domains",
  "virtual_mailbox_maps",
  "virtual_alias_maps",
  "virtual_uid_maps",
  "virtual_gid_maps",
  "alias_maps",
  "local_recipient_maps",
  "relay_domains",
  "relay_recipient_maps",
  "transport_maps",
  "sender_dependent_relayhost_maps",
] as const;

/** Table types whose name is not a file. */
const NOT_FILES = new Set(["static", "inline", "unix"]);

/** The file a table item reads, if it reads one. */
export function tableFileOf(item: string): string | undefined {
  const trimmed = item.trim();
  if (trimmed.startsWith("/")) return trimmed;
  const match = /^([a-z0-9_-]+):(\/.*)$/i.exec(trimmed);
  if (!match || NOT_FILES.has(match[1].toLowerCase())) return undefined;
  return match[2];
}

/** The protected files the configuration names (paths as written). */
export function protectedFiles(policy: ProtectedPolicy): ProtectedFile[] {
  const files: ProtectedFile[] = [];
  const add = (path: string, what: string) => {
    if (path !== "") files.push({ path: resolve(path), what });
  };
  if (policy.configFile !== null) {
    add(policy.configFile, "the configuration file");
  }
  add(policy.queue_directory, "the queue directory");
  for (const parameter of TABLE_PARAMETERS) {
    for (const item of policy[parameter]) {
      const file = tableFileOf(item);
      if (file !== undefined) add(file, `the ${parameter} table`);
    }
  }
  add(policy.pop3_tls_cert_file, "the pop3_tls_cert_file");
  add(policy.pop3_tls_key_file, "the pop3_tls_key_file");
  add(policy.maillog_file, "the maillog_file");
  return files;
}

/** What the password file of `domain` is called in messages. */
function passwdWhat(domain: string): string {
  return `the POP3 password file of "${domain}"`;
}

/** The password files that exist now, with their real paths. */
async function existingPasswdFiles(
  directory: string,
): Promise<ProtectedFile[]> {
  const files: ProtectedFile[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile) continue;
      const path = join(directory, entry.name, PASSWD_FILE_NAME);
      try {
        await Deno.lstat(path);
      } catch {
        continue;
      }
      files.push({
        path: realPathOf(path),
        what: passwdWhat(entry.name),
        domain: entry.name,
      });
    }
  } catch {
    // No readable directory: no password files beyond the layout's names.
  }
  return files;
}

/**
 * The protected layout with every path resolved (symbolic links
 * followed), the password files that exist included.
 */
export async function resolveProtectedLayout(
  policy: ProtectedPolicy,
): Promise<ProtectedLayout> {
  const named = protectedFiles(policy);
  const files = named.map((file) => ({
    ...file,
    path: realPathOf(file.path),
  }));
  const passwdDirectory = realPathOf(policy.pop3_passwd_directory);
  return {
    files: [...files, ...await existingPasswdFiles(passwdDirectory)],
    passwdDirectory,
  };
}

/** True when `inner` is strictly inside directory `outer`. */
export function isInside(inner: string, outer: string): boolean {
  const prefix = outer.endsWith(sep) ? outer : outer + sep;
  return inner !== outer && inner.startsWith(prefix);
}

/** How `path` meets `file`, or undefined when they are apart. */
function meeting(path: string, file: ProtectedFile): string | undefined {
  if (path === file.path) return `is ${file.what}`;
  if (isInside(file.path, path)) return `contains ${file.what} "${file.path}"`;
  if (isInside(path, file.path)) {
    return `sits inside ${file.what} "${file.path}"`;
  }
  return undefined;
}

/**
 * How a mailbox at `path` meets the password-file layout, or undefined.
 * A Maildir directly in the directory is where a domain's password file
 * goes; an mbox file there cannot hold one.
 */
function passwdMeeting(
  path: string,
  format: MailboxSpot["format"],
  directory: string,
): string | undefined {
  if (path === directory || isInside(directory, path)) {
    return `contains the POP3 password files of pop3_passwd_directory "${directory}"`;
  }
  if (!isInside(path, directory)) return undefined;
  const [domain, name, ...rest] = relative(directory, path).split(sep);
  const file = join(directory, domain, PASSWD_FILE_NAME);
  if (name === undefined) {
    if (format === "mbox") return undefined;
    return `contains ${passwdWhat(domain)} "${file}"`;
  }
  if (name !== PASSWD_FILE_NAME) return undefined;
  return rest.length === 0
    ? `is ${passwdWhat(domain)}`
    : `sits inside ${passwdWhat(domain)} "${file}"`;
}

/** Files an mbox brings along: its dotlock and the POP3 rewrite. */
function sideFilesOf(mailbox: MailboxSpot): string[] {
  if (mailbox.format !== "mbox") return [];
  return [`${mailbox.path}.lock`, `${mailbox.path}.mailsrv-tmp`];
}

/** `path` without trailing slashes (the root stays `/`). */
function withoutSlash(path: string): string {
  return path.replace(/(.)\/+$/, "$1");
}

/**
 * Why the mailbox (absolute, resolved) collides with the protected
 * layout, e.g. `is the POP3 password file of "example.com"`, or undefined
 * when it does not.
 */
export function mailboxCollision(
  mailbox: MailboxSpot,
  layout: ProtectedLayout,
): string | undefined {
  const path = withoutSlash(mailbox.path);
  for (const file of layout.files) {
    const found = meeting(path, file);
    if (found) return found;
  }
  const passwd = passwdMeeting(path, mailbox.format, layout.passwdDirectory);
  if (passwd) return passwd;
  for (const side of sideFilesOf({ ...mailbox, path })) {
    const file = layout.files.find((file) => file.path === side);
    if (file) return `would have its file "${side}" be ${file.what}`;
  }
  return undefined;
}

/**
 * Why a directory that holds mailboxes (a virtual domain's mailbox or
 * password directory) collides with a protected file, or undefined.
 * @param domain the domain whose own password file it may hold
 */
export function directoryCollision(
  directory: string,
  domain: string,
  layout: ProtectedLayout,
): string | undefined {
  const path = withoutSlash(directory);
  for (const file of layout.files) {
    if (file.domain === domain) continue;
    const found = meeting(path, file);
    if (found) return found;
  }
  const passwords = layout.passwdDirectory;
  if (path === passwords || isInside(passwords, path)) {
    return `contains the POP3 password files of pop3_passwd_directory "${passwords}"`;
  }
  return undefined;
}
