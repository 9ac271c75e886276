/**
 * Names that can never be a mailbox, whatever a table says.
 *
 * DESCRIPTION
 *   The last name of a mailbox path is refused when the layout already
 *   uses it for something else:
 *
 *   .  ..               a directory itself or its parent, not a mailbox
 *   NAME.lock           the dotlock of mailbox NAME (delivery and POP3
 *                       create and remove it; a Maildir's POP3 session
 *                       lock is `.mailsrv-pop3.lock`)
 *   NAME.mailsrv-tmp    the POP3 server's rewrite of mbox NAME
 *   .forward*           a user's forward file (forward_path's default
 *                       names): mail written there would add delivery
 *                       targets, commands included
 *   passwd              a domain's POP3 password file, in the layout of
 *                       pop3_passwd_directory (`<dir>/<domain>/passwd`,
 *                       vm-pop3d's), which the classic recipe puts in the
 *                       mailbox base: a mailbox of that name would be the
 *                       password file
 *   tmp  new  cur       a Maildir's own folders: in a virtual domain's
 *                       directory mbox files and Maildirs sit side by
 *                       side, so a mailbox of that name is one catch-all
 *                       Maildir away from being another mailbox's folder
 *
 *   `tmp`, `new` and `cur` are reserved for virtual mailboxes only; a
 *   file target (an alias or `.forward` naming `/path`) is held only to
 *   the lock, temporary-file and `.forward` rules, since its name is the
 *   user's choice.
 *
 *   Pure. Used by the mailbox guard and by `mailsrv user add`.
 *
 *   Does NOT look at the file system; `protected_paths.ts` compares real
 *   paths.
 */

/** Where a mailbox path comes from; the rules differ a little. */
export type MailboxContext = "virtual" | "local" | "file";

/** The name the pop3_passwd_directory layout gives each password file. */
export const PASSWD_FILE_NAME = "passwd";

/** Suffixes of files that belong to another mailbox. */
const SIDE_FILE_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  [".lock", "the lock file of"],
  [".mailsrv-tmp", "the POP3 server's temporary copy of"],
];

const MAILDIR_FOLDERS = ["tmp", "new", "cur"];

/**
 * Why `name` (the last name of a mailbox path) is reserved, or undefined
 * when it may be a mailbox.
 */
export function reservedMailboxName(
  name: string,
  context: MailboxContext,
): string | undefined {
  if (name === "." || name === "..") {
    return `"${name}" is reserved: it names a directory, not a mailbox`;
  }
  for (const [suffix, what] of SIDE_FILE_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      return `"${name}" is reserved: a name ending in "${suffix}" is ${what} mailbox "${
        name.slice(0, -suffix.length)
      }"`;
    }
  }
  if (name.startsWith(".forward")) {
    return `"${name}" is reserved: it is the name of a .forward file, whose lines are delivery targets`;
  }
  if (context === "file") return undefined;
  if (name === PASSWD_FILE_NAME) {
    return `"${name}" is reserved: it is the name of a domain's POP3 password file (pop3_passwd_directory/DOMAIN/${PASSWD_FILE_NAME})`;
  }
  if (context === "virtual" && MAILDIR_FOLDERS.includes(name)) {
    return `"${name}" is reserved: tmp, new and cur are a Maildir's own folders, and mbox files and Maildirs share the domain directory`;
  }
  return undefined;
}
