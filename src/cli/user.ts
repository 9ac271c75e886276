/**
 * `mailsrv user add|del|passwd|list` — manage virtual (POP3) users.
 *
 * DESCRIPTION
 *   `add user@domain [--maildir|--mbox]` creates the mailbox, the passwd
 *   line (bcrypt) and the mailbox map line; `passwd user@domain` replaces
 *   the password hash; `del user@domain [--purge]` removes the lines, and
 *   the mailbox with its mail only with `--purge`; `list DOMAIN` prints
 *   the domain's users. See `virtual/user_admin.ts`.
 *
 *   The password is asked twice on the terminal without echo, or read
 *   from the first line of standard input with `--password-stdin`. It is
 *   never taken from the command line, where other users could see it.
 *
 *   Exit 0 on success, 1 when the request is refused, 64 for a bad
 *   command line.
 */
import { type Command, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { refusalsAsErrors, subcommandOperands } from "./domain.ts";
import { readNewPassword } from "../virtual/password_prompt.ts";
import {
  addUser,
  changePassword,
  deleteUser,
  listUsers,
} from "../virtual/user_admin.ts";

/** The `user` subcommand. */
export const userCommand: Command = {
  name: "user",
  summary: "add, delete, list virtual users or change their passwords",
  usage: "user add [--maildir|--mbox] [--password-stdin] USER@DOMAIN | " +
    "user passwd [--password-stdin] USER@DOMAIN | " +
    "user del [--purge] USER@DOMAIN | user list DOMAIN",
  description:
    `add USER@DOMAIN: creates the mailbox under virtual_mailbox_base (a Maildir
DOMAIN/USER/ by default, or an mbox file DOMAIN/USER with --mbox), adds
USER:<bcrypt hash> to <pop3_passwd_directory>/DOMAIN/passwd and
"USER@DOMAIN  DOMAIN/USER/" to the mailbox map (the first hash: or texthash:
table of virtual_mailbox_maps). The domain must have been added first.
Refused for reserved names (passwd, the name of a domain's POP3 password
file; names ending in .lock or .mailsrv-tmp, mailbox lock and temporary
files; tmp, new and cur, a Maildir's folders) and for a mailbox that would
be, hold or sit inside a passwd file, a table, the configuration or the
queue, or overlap another user's mailbox.

passwd USER@DOMAIN: replaces the user's password hash.

del USER@DOMAIN: removes the map and passwd lines; the mailbox and its mail
are removed only with --purge. Prints what it removed. --purge is refused,
changing nothing, when the mailbox is, holds or sits inside a passwd file,
table, the configuration or the queue, or another user's mailbox overlaps it.

list DOMAIN: prints the domain's users, one per line.

The password is asked twice without echo, or read from the first line of
standard input with --password-stdin; never from the command line.`,
  options: {
    maildir: { type: "boolean" },
    mbox: { type: "boolean" },
    purge: { type: "boolean" },
    "password-stdin": { type: "boolean" },
  },
  // Checked per action, with the action's own usage.
  maxOperands: Infinity,
  async run(context) {
    const [action] = context.operands;
    if (action === undefined) {
      throw new UsageError("missing subcommand: add, del, passwd or list");
    }
    if (context.values.maildir && context.values.mbox) {
      throw new UsageError("--maildir and --mbox exclude each other");
    }
    const config = await configFor(context);
    const password = { fromStdin: !!context.values["password-stdin"] };
    return await refusalsAsErrors(context.warn, async () => {
      switch (action) {
        case "add": {
          const [address] = subcommandOperands(
            context.operands,
            1,
            "user add [--maildir|--mbox] USER@DOMAIN",
          );
          const format = context.values.mbox ? "mbox" : "maildir";
          return await addUser(
            config,
            address,
            format,
            await readNewPassword(password),
          );
        }
        case "passwd": {
          const [address] = subcommandOperands(
            context.operands,
            1,
            "user passwd USER@DOMAIN",
          );
          return await changePassword(
            config,
            address,
            await readNewPassword(password),
          );
        }
        case "del": {
          const [address] = subcommandOperands(
            context.operands,
            1,
            "user del [--purge] USER@DOMAIN",
          );
          const removed = await deleteUser(
            config,
            address,
            !!context.values.purge,
          );
          for (const line of removed) context.print(`${line}\n`);
          return;
        }
        case "list": {
          const [domain] = subcommandOperands(
            context.operands,
            1,
            "user list DOMAIN",
          );
          for (const user of await listUsers(config, domain)) {
            context.print(`${user}\n`);
          }
          return;
        }
        default:
          throw new UsageError(
            `unknown subcommand "${action}" (expected add, del, passwd or list)`,
          );
      }
    });
  },
};
