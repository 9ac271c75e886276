/**
 * The mailbox guard: may mail be written to (or read from) this path?
 *
 * DESCRIPTION
 *   Whatever a table says — a map line written by `mailsrv user add` or
 *   by hand, an alias or `.forward` file target, a spool or home mailbox —
 *   the mailbox must not be a file mailsrv reads as configuration or
 *   credentials. `checkMailbox(config, mailbox, context)` answers with
 *   the reason it is refused, or undefined:
 *
 *   protected   the path, with every symbolic link followed
 *               (`real_path.ts`), is, contains or sits inside a protected
 *               file, or an mbox's lock file would be one
 *               (`protected_paths.ts`, as resolved within the last
 *               second: `recent_layout.ts`); or the real name is reserved
 *               (a link to another mailbox's lock file)
 *   reserved    the last name of the path is one the layout uses
 *               (`reserved_names.ts`), though nothing is there yet
 *
 *   Callers decide what a refusal means: `mailsrv user add` refuses,
 *   smtpd answers 451 4.3.0 (protected: the configuration must be fixed)
 *   or 550 5.1.1 (reserved), delivery defers, and POP3 refuses the login.
 *   smtpd's thread may not read the mailbox base (its sandbox), so there a
 *   link is not followed (the path is taken as named): a link is caught by
 *   delivery and POP3, whose threads may read it.
 *
 *   `checkDomainDirectory` does the same for a virtual domain's mailbox
 *   and password directories, which may hold that domain's own password
 *   file but nothing else protected, and must be directories.
 *
 * SECURITY
 *   The answer holds when it is given. A link planted between the check
 *   and the write is caught for an mbox by the writer itself (it opens
 *   only a regular file with one link, `delivery/mailbox/mbox.ts`), not for a
 *   directory on the way; mailboxes written as their owner (virtual uid,
 *   local user) limit what such a race could reach.
 *
 *   Reads the directories on the way of every path; writes nothing.
 */
import { basename, resolve } from "node:path";
import { realPathOf } from "./real_path.ts";
import {
  directoryCollision,
  mailboxCollision,
  type MailboxSpot,
  type ProtectedPolicy,
} from "./protected_paths.ts";
import { recentProtectedLayout } from "./recent_layout.ts";
import { type MailboxContext, reservedMailboxName } from "./reserved_names.ts";

/** Why a mailbox path is refused. */
export interface MailboxRefusal {
  /** `protected`: it reaches a protected file; `reserved`: its name only. */
  readonly kind: "protected" | "reserved";
  /** One line for the administrator, naming the path. */
  readonly reason: string;
}

/** `path` absolute, without trailing slashes. */
function plain(path: string): string {
  return resolve(path).replace(/(.)\/+$/, "$1");
}

function describe(named: string, real: string, noun: string): string {
  return real === named
    ? `${noun} "${named}"`
    : `${noun} "${named}" (really "${real}")`;
}

/**
 * Why `mailbox` must not be used, or undefined when it may.
 * @param context where the path comes from (name rules differ)
 */
export async function checkMailbox(
  policy: ProtectedPolicy,
  mailbox: MailboxSpot,
  context: MailboxContext,
): Promise<MailboxRefusal | undefined> {
  const named = plain(mailbox.path);
  const real = realPathOf(named);
  const shown = describe(named, real, "mailbox");
  const layout = await recentProtectedLayout(policy);
  for (const path of new Set([real, named])) {
    const collision = mailboxCollision(
      { format: mailbox.format, path },
      layout,
    );
    if (collision) {
      return { kind: "protected", reason: `${shown} ${collision}` };
    }
  }
  if (real !== named) {
    const reserved = reservedMailboxName(basename(real), context);
    if (reserved) return { kind: "protected", reason: `${shown}: ${reserved}` };
  }
  const reserved = reservedMailboxName(basename(named), context);
  if (reserved) return { kind: "reserved", reason: `${shown}: ${reserved}` };
  return undefined;
}

/**
 * Why `directory` cannot be a virtual domain's mailbox or password
 * directory, or undefined when it can (it may not exist yet).
 * @param domain the domain whose own password file it may hold
 */
export async function checkDomainDirectory(
  policy: ProtectedPolicy,
  directory: string,
  domain: string,
): Promise<string | undefined> {
  const named = plain(directory);
  const real = realPathOf(named);
  const shown = describe(named, real, "directory");
  const layout = await recentProtectedLayout(policy);
  for (const path of new Set([real, named])) {
    const collision = directoryCollision(path, domain, layout);
    if (collision) return `${shown} ${collision}`;
  }
  try {
    if (!(await Deno.stat(real)).isDirectory) {
      return `${shown} exists and is not a directory`;
    }
  } catch {
    // Nothing there yet: it will be created as a directory.
  }
  return undefined;
}
