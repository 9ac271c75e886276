/**
 * `mailsrv domain add|del|list` — manage virtual mailbox domains.
 *
 * DESCRIPTION
 *   The steps of the classic Postfix + vm-pop3d recipe in one command:
 *   `add DOMAIN` lists the domain in the domains file (the first
 *   `hash:`/`texthash:` table of virtual_mailbox_domains) and creates its
 *   mailbox directory and passwd file; `del DOMAIN [--force]` removes it
 *   (refused while it has users, unless `--force`, which also removes its
 *   users, passwd file and mailboxes); `list` prints one domain per line.
 *   See `virtual/domain_admin.ts` for the order of the steps.
 *
 *   Exit 0 on success, 1 when the request is refused, 64 for a bad
 *   command line.
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { LookupTableError } from "../maps/mod.ts";
import { AdminError } from "../virtual/admin_error.ts";
import {
  addDomain,
  deleteDomain,
  listDomains,
} from "../virtual/domain_admin.ts";

/**
 * True for the errors an administration step reports in one line: its
 * refusals, file system errors (a missing or unwritable directory, a
 * file where a directory should be) and unreadable tables. Anything else
 * is a bug and keeps its stack trace.
 */
function isReportable(e: unknown): e is Error {
  return e instanceof AdminError || e instanceof LookupTableError ||
    Object.values(Deno.errors).some((kind) => e instanceof kind);
}

/** Runs an administration step; a refusal becomes `mailsrv: error: …`, exit 1. */
export async function refusalsAsErrors(
  warn: (text: string) => void,
  work: () => Promise<void>,
): Promise<number> {
  try {
    await work();
    return EXIT.ok;
  } catch (e) {
    if (!isReportable(e)) throw e;
    warn(`mailsrv: error: ${e.message.replace(/\s*\n\s*/g, " ")}`);
    return EXIT.failure;
  }
}

/** The operands after the subcommand word, exactly `count` of them. */
export function subcommandOperands(
  operands: readonly string[],
  count: number,
  usage: string,
): string[] {
  const rest = operands.slice(1);
  if (rest.length !== count) {
    throw new UsageError(
      `"${usage}" takes ${count === 0 ? "no operand" : `${count} operand`}`,
    );
  }
  return rest;
}

/** The `domain` subcommand. */
export const domainCommand: Command = {
  name: "domain",
  summary: "add, delete or list virtual mailbox domains",
  usage: "domain add DOMAIN | domain del [--force] DOMAIN | domain list",
  description:
    `add DOMAIN: lists DOMAIN in the domains file (the first hash: or texthash:
table of virtual_mailbox_domains), creates <virtual_mailbox_base>/DOMAIN/
(mode 0700, owned by virtual_uid_maps/virtual_gid_maps when run as root) and
<pop3_passwd_directory>/DOMAIN/passwd (mode 0640). First it creates every
hash:/texthash: file of virtual_mailbox_domains, virtual_mailbox_maps and
virtual_alias_maps, virtual_mailbox_base and pop3_passwd_directory that does
not exist yet (a missing table file makes every lookup fail); a path whose
parent directory does not exist is refused.

del DOMAIN: removes the domain's line. Refused while the mailbox map or the
passwd file lists users, unless --force, which also removes the users' map
lines, the passwd directory and the mailbox directory with all mail, and
prints what it removed. --force is refused, changing nothing, when one of
those directories holds a table, the configuration, the queue or another
domain's passwd file.

list: prints the domains, one per line.

Every file is rewritten atomically, keeping its comments, other lines, mode
and owner.`,
  options: { force: { type: "boolean" } },
  // Checked per action, with the action's own usage.
  maxOperands: Infinity,
  async run(context) {
    const [action] = context.operands;
    if (action === undefined) {
      throw new UsageError("missing subcommand: add, del or list");
    }
    const config = await configFor(context);
    return await refusalsAsErrors(context.warn, async () => {
      switch (action) {
        case "add": {
          const [domain] = subcommandOperands(
            context.operands,
            1,
            "domain add DOMAIN",
          );
          return await addDomain(config, domain);
        }
        case "del": {
          const [domain] = subcommandOperands(
            context.operands,
            1,
            "domain del [--force] DOMAIN",
          );
          const removed = await deleteDomain(
            config,
            domain,
            !!context.values.force,
          );
          for (const line of removed) context.print(`${line}\n`);
          return;
        }
        case "list":
          subcommandOperands(context.operands, 0, "domain list");
          for (const domain of await listDomains(config)) {
            context.print(`${domain}\n`);
          }
          return;
        default:
          throw new UsageError(
            `unknown subcommand "${action}" (expected add, del or list)`,
          );
      }
    });
  },
};
