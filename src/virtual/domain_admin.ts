/**
 * Virtual domains: add, delete and list them (`mailsrv domain`).
 *
 * DESCRIPTION
 *   Adding a domain replaces the recipe's manual steps: the table files
 *   the configuration names that do not exist yet (`layout_files.ts`), the
 *   mailbox directory `<virtual_mailbox_base>/<domain>/` (0700, owned by the
 *   virtual uid/gid when root), the passwd directory (0750, group the
 *   virtual gid when root) with an empty `passwd` file (0640), and last the
 *   `domain  virtual` line in the domains file, so smtpd never accepts mail
 *   for a domain whose directories are not there yet.
 *
 *   Deleting removes the domains line first (mail for it is refused from
 *   then on). While the mailbox map or the passwd file still lists users
 *   it is refused, unless `force`: then the domain's map lines, its passwd
 *   directory and its mailbox directory go too.
 *
 *   Every file edit is atomic (`fs/atomic_replace.ts`). Used by the CLI.
 *
 * SECURITY
 *   A domain's mailbox and passwd directories hold mail anyone can send,
 *   and `--force` removes them: both are refused when they are, contain
 *   or sit inside a file mailsrv trusts other than the domain's own
 *   passwd file (a domain named like a table in the base, the queue, the
 *   configuration), or exist as something other than a directory
 *   (`layout/mailbox_guard.ts`). Names ending in `.lock` are refused:
 *   they are mailbox lock files.
 *
 *   Does NOT edit virtual_alias_maps (only creates its file) or notify the
 *   daemon (tables are re-read when they change).
 */
import { join } from "node:path";
import type { Config } from "../config/types.ts";
import { checkDomainDirectory, reservedMailboxName } from "../layout/mod.ts";
import { AdminError } from "./admin_error.ts";
import { editFileAtomically } from "../fs/atomic_replace.ts";
import { ensureDirectory, removeMailbox } from "./mailbox_create.ts";
import { passwdUsers } from "./passwd_text.ts";
import { appendLine, removeEntries, tableKeys } from "./table_text.ts";
import { checkDomainName } from "./virtual_names.ts";
import { createLayoutFiles } from "./layout_files.ts";
import {
  domainsFile,
  mailboxBase,
  mailboxMapFile,
  mailboxOwner,
  passwdDirectory,
  passwdFile,
} from "./virtual_layout.ts";

/** Mode of a domains file or mailbox map mailsrv creates. */
export const TABLE_FILE_MODE = 0o644;
/** Mode of a passwd file mailsrv creates (vm-pop3d's). */
export const PASSWD_FILE_MODE = 0o640;

/** The virtual domains listed in the domains file, in file order. */
export async function listDomains(config: Config): Promise<string[]> {
  return tableKeys(await readOrEmpty(domainsFile(config)));
}

/**
 * Refuses a domain whose directories would collide with the layout.
 * @param doing what is refused, for the message
 */
async function refuseUnsafeDirectories(
  config: Config,
  domain: string,
  doing: string,
): Promise<void> {
  for (
    const directory of [
      join(mailboxBase(config), domain),
      passwdDirectory(config, domain),
    ]
  ) {
    const problem = await checkDomainDirectory(config, directory, domain);
    if (problem) throw new AdminError(`${doing}: ${problem}`);
  }
}

/** Adds `domain`; refuses one already listed. */
export async function addDomain(config: Config, raw: string): Promise<void> {
  const domain = checkDomainName(raw);
  const file = domainsFile(config);
  if (tableKeys(await readOrEmpty(file)).includes(domain)) {
    throw new AdminError(`domain "${domain}" is already in "${file}"`);
  }
  const doing = `cannot add domain "${domain}"`;
  const reserved = reservedMailboxName(domain, "file");
  if (reserved) throw new AdminError(`${doing}: ${reserved}`);
  await refuseUnsafeDirectories(config, domain, doing);
  await createLayoutFiles(config);
  const owner = await mailboxOwner(config, `@${domain}`);
  await ensureDirectory(join(mailboxBase(config), domain), 0o700, owner);
  const passwdOwner = owner && { uid: 0, gid: owner.gid };
  await ensureDirectory(passwdDirectory(config, domain), 0o750, passwdOwner);
  await editFileAtomically(
    passwdFile(config, domain),
    (text) => text === null ? "" : null,
    { createMode: PASSWD_FILE_MODE, createOwner: passwdOwner },
  );
  await editFileAtomically(file, (text) => {
    if (text !== null && tableKeys(text).includes(domain)) {
      throw new AdminError(`domain "${domain}" is already in "${file}"`);
    }
    return appendLine(text ?? "", `${domain}\tvirtual`);
  }, { createMode: TABLE_FILE_MODE });
}

/** The addresses of `domain`'s users in the mailbox map and passwd file. */
export async function domainUsers(
  config: Config,
  domain: string,
): Promise<string[]> {
  const suffix = `@${domain}`;
  const mapped = tableKeys(await readOrEmpty(mailboxMapFile(config)))
    .filter((key) => key.endsWith(suffix));
  const passwd = passwdUsers(await readOrEmpty(passwdFile(config, domain)))
    .map((user) => `${user}${suffix}`);
  return [...new Set([...mapped, ...passwd])].sort();
}

/**
 * Deletes `domain`; with `force`, its users, passwd files and mailboxes.
 * @returns one line per directory removed, for the administrator
 * @throws AdminError when it is not listed, or has users and no `force`,
 *   or `force` would remove a protected file (nothing is changed then)
 */
export async function deleteDomain(
  config: Config,
  raw: string,
  force: boolean,
): Promise<string[]> {
  const domain = checkDomainName(raw);
  const file = domainsFile(config);
  if (!tableKeys(await readOrEmpty(file)).includes(domain)) {
    throw new AdminError(`domain "${domain}" is not in "${file}"`);
  }
  const users = await domainUsers(config, domain);
  if (users.length > 0 && !force) {
    throw new AdminError(
      `domain "${domain}" still has ${users.length} user(s) (${
        users.slice(0, 3).join(", ")
      }${users.length > 3 ? ", …" : ""}); delete them or use --force`,
    );
  }
  if (force) {
    await refuseUnsafeDirectories(
      config,
      domain,
      `not removing domain "${domain}"; nothing was changed`,
    );
  }
  await editFileAtomically(
    file,
    (text) => removeEntries(text ?? "", (key) => key === domain),
    { createMode: TABLE_FILE_MODE },
  );
  if (!force) return [];
  await editFileAtomically(
    mailboxMapFile(config),
    (text) =>
      text === null
        ? null
        : removeEntries(text, (key) => key.endsWith(`@${domain}`)),
    { createMode: TABLE_FILE_MODE },
  );
  const removed: string[] = [];
  for (
    const directory of [
      passwdDirectory(config, domain),
      join(mailboxBase(config), domain),
    ]
  ) {
    if (await removeMailbox(directory)) {
      removed.push(`removed directory "${directory}"`);
    }
  }
  return removed;
}

/** A file's text, or "" when it does not exist. */
export async function readOrEmpty(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}
