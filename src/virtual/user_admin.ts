/**
 * Virtual users: add, delete, change passwords, list (`mailsrv user`).
 *
 * DESCRIPTION
 *   A virtual user is three things, made in this order so smtpd never
 *   accepts mail for a user whose mailbox is not there:
 *
 *   mailbox      `<base>/<domain>/<user>/` (Maildir, tmp/new/cur 0700) or
 *                `<base>/<domain>/<user>` (mbox, 0600), owned by the
 *                virtual uid/gid when root
 *   passwd line  `user:<bcrypt>` in `<pop3_passwd_directory>/<domain>/passwd`
 *   map line     `user@domain  domain/user/` (or `domain/user`) in the
 *                mailbox map; the trailing `/` is what says Maildir
 *
 *   Deleting goes the other way: map line, passwd line, and the mailbox
 *   only with `purge` (the path is taken from the map line, and must lie
 *   inside virtual_mailbox_base). The domain must be in the domains file.
 *
 * SECURITY
 *   A mailbox is written by anyone who can send mail, so it must never be
 *   a file mailsrv trusts (`layout/mailbox_guard.ts`): adding refuses a
 *   reserved local part (`passwd`, `*.lock`, `tmp`, `new`, `cur`) and a
 *   mailbox that is, contains or sits inside a password file, a table,
 *   the configuration or the queue; `--purge` removes only a mailbox the
 *   guard accepts and no other map line uses, and reports what it
 *   removed.
 *
 *   Every file edit is atomic (`atomic_write.ts`). Used by the CLI.
 *
 *   Does NOT read passwords (`password_prompt.ts`) or hash them itself
 *   (`common/password_hash.ts`).
 */
import type { Config } from "../config/types.ts";
import { hashPassword } from "../common/password_hash.ts";
import { checkMailbox, reservedMailboxName } from "../layout/mod.ts";
import { AdminError } from "./admin_error.ts";
import { editFileAtomically } from "../fs/atomic_replace.ts";
import {
  domainUsers,
  PASSWD_FILE_MODE,
  readOrEmpty,
  TABLE_FILE_MODE,
} from "./domain_admin.ts";
import {
  createMailbox,
  type MailboxFormat,
  removeMailbox,
} from "./mailbox_create.ts";
import { mailboxSharers } from "./mailbox_sharing.ts";
import { passwdUsers, removePasswdUser, setPasswdHash } from "./passwd_text.ts";
import {
  appendLine,
  removeEntries,
  tableKeys,
  tableValue,
} from "./table_text.ts";
import {
  checkDomainName,
  formatVirtualAddress,
  parseVirtualAddress,
  type VirtualAddress,
} from "./virtual_names.ts";
import {
  domainsFile,
  mailboxMapFile,
  mailboxOwner,
  mailboxPath,
  passwdFile,
} from "./virtual_layout.ts";

/** The mailbox map value for a new user (relative to the base). */
export function mailboxMapValue(
  address: VirtualAddress,
  format: MailboxFormat,
): string {
  const path = `${address.domain}/${address.user}`;
  return format === "maildir" ? `${path}/` : path;
}

async function requireDomain(config: Config, domain: string): Promise<void> {
  const file = domainsFile(config);
  if (!tableKeys(await readOrEmpty(file)).includes(domain)) {
    throw new AdminError(
      `domain "${domain}" is not in "${file}"; add it with "mailsrv domain add ${domain}"`,
    );
  }
}

/** Refuses a new user's mailbox that the guard or another user has. */
async function refuseUnsafeMailbox(
  config: Config,
  mapText: string,
  key: string,
  mailbox: string,
  format: MailboxFormat,
): Promise<void> {
  const refusal = await checkMailbox(
    config,
    { path: mailbox, format },
    "virtual",
  );
  if (refusal) throw new AdminError(`cannot add "${key}": ${refusal.reason}`);
  const sharers = mailboxSharers(config, mapText, key, mailbox);
  if (sharers.length > 0) {
    throw new AdminError(
      `cannot add "${key}": mailbox "${mailbox}" overlaps the mailbox of "${
        sharers[0]
      }" in "${mailboxMapFile(config)}"`,
    );
  }
}

/**
 * Adds a user with a mailbox of `format` and `password`.
 * @throws AdminError for a bad address, an unknown domain or an existing user
 */
export async function addUser(
  config: Config,
  raw: string,
  format: MailboxFormat,
  password: string,
): Promise<void> {
  const address = parseVirtualAddress(raw);
  const key = formatVirtualAddress(address);
  const reserved = reservedMailboxName(address.user, "virtual");
  if (reserved) throw new AdminError(`cannot add "${key}": ${reserved}`);
  await requireDomain(config, address.domain);
  const mapFile = mailboxMapFile(config);
  const passwd = passwdFile(config, address.domain);
  const mapText = await readOrEmpty(mapFile);
  const exists = (map: string, passwdText: string) =>
    tableKeys(map).includes(key) ||
    passwdUsers(passwdText).includes(address.user);
  if (exists(mapText, await readOrEmpty(passwd))) {
    throw new AdminError(`user "${key}" already exists`);
  }
  const value = mailboxMapValue(address, format);
  const mailbox = mailboxPath(config, value);
  await refuseUnsafeMailbox(config, mapText, key, mailbox, format);
  const hash = await hashPassword(password);
  const owner = await mailboxOwner(config, key);
  await createMailbox(mailbox, format, owner);
  await editFileAtomically(passwd, (text) => {
    if (passwdUsers(text ?? "").includes(address.user)) {
      throw new AdminError(`user "${key}" already exists in "${passwd}"`);
    }
    return setPasswdHash(text ?? "", address.user, hash);
  }, {
    createMode: PASSWD_FILE_MODE,
    createOwner: owner && { uid: 0, gid: owner.gid },
  });
  await editFileAtomically(mapFile, (text) => {
    if (tableKeys(text ?? "").includes(key)) {
      throw new AdminError(`user "${key}" already exists in "${mapFile}"`);
    }
    return appendLine(text ?? "", `${key}\t${value}`);
  }, { createMode: TABLE_FILE_MODE });
}

/**
 * Replaces a user's password hash.
 * @throws AdminError when the user is in neither the map nor the passwd file
 */
export async function changePassword(
  config: Config,
  raw: string,
  password: string,
): Promise<void> {
  const address = parseVirtualAddress(raw);
  const key = formatVirtualAddress(address);
  if (!(await domainUsers(config, address.domain)).includes(key)) {
    throw new AdminError(`no such user "${key}"`);
  }
  const hash = await hashPassword(password);
  const passwd = passwdFile(config, address.domain);
  await editFileAtomically(
    passwd,
    (text) => setPasswdHash(text ?? "", address.user, hash),
    { createMode: PASSWD_FILE_MODE },
  );
}

/**
 * The mailbox `--purge` may remove for `key`, checked before anything
 * changes: a map line must not aim it at a protected file or at mail
 * another user still receives.
 */
async function purgeableMailbox(
  config: Config,
  mapText: string,
  key: string,
  mapValue: string,
): Promise<string> {
  const mailbox = mailboxPath(config, mapValue);
  const format = mapValue.trim().endsWith("/") ? "maildir" : "mbox";
  const keep =
    `nothing was changed ("mailsrv user del ${key}" without --purge removes only its lines)`;
  const refusal = await checkMailbox(
    config,
    { path: mailbox, format },
    "virtual",
  );
  if (refusal?.kind === "protected") {
    throw new AdminError(`not purging "${key}": ${refusal.reason}; ${keep}`);
  }
  const sharers = mailboxSharers(config, mapText, key, mailbox);
  if (sharers.length > 0) {
    throw new AdminError(
      `not purging "${key}": mailbox "${mailbox}" is also used by "${
        sharers[0]
      }"; ${keep}`,
    );
  }
  return mailbox;
}

/**
 * Deletes a user; with `purge`, the mailbox and its mail too.
 * @returns one line per thing removed, for the administrator
 * @throws AdminError when there is no such user, or the mailbox to purge
 *   is not the user's alone (nothing is changed then)
 */
export async function deleteUser(
  config: Config,
  raw: string,
  purge: boolean,
): Promise<string[]> {
  const address = parseVirtualAddress(raw);
  const key = formatVirtualAddress(address);
  const mapFile = mailboxMapFile(config);
  const mapText = await readOrEmpty(mapFile);
  const mapValue = tableValue(mapText, key);
  if (!(await domainUsers(config, address.domain)).includes(key)) {
    throw new AdminError(`no such user "${key}"`);
  }
  const mailbox = purge && mapValue !== undefined
    ? await purgeableMailbox(config, mapText, key, mapValue)
    : undefined;
  const removed: string[] = [];
  if (
    await editFileAtomically(
      mapFile,
      (text) =>
        text === null ? null : removeEntries(text, (entry) => entry === key),
      { createMode: TABLE_FILE_MODE },
    )
  ) removed.push(`removed "${key}" from "${mapFile}"`);
  const passwd = passwdFile(config, address.domain);
  if (
    await editFileAtomically(
      passwd,
      (text) => text === null ? null : removePasswdUser(text, address.user),
      { createMode: PASSWD_FILE_MODE },
    )
  ) removed.push(`removed "${address.user}" from "${passwd}"`);
  if (mailbox !== undefined) {
    removed.push(
      await removeMailbox(mailbox)
        ? `removed mailbox "${mailbox}"`
        : `no mailbox to remove at "${mailbox}"`,
    );
  } else if (purge) {
    removed.push(`no mailbox map line for "${key}": no mailbox removed`);
  }
  return removed;
}

/** The users of `domain`, as `user@domain`, sorted. */
export async function listUsers(
  config: Config,
  raw: string,
): Promise<string[]> {
  const domain = checkDomainName(raw);
  await requireDomain(config, domain);
  return (await domainUsers(config, domain)).filter((address) =>
    !address.startsWith("@")
  );
}
